namespace EdgeTiny.Converter;

/// <summary>
/// Bad input from the user: a file that is missing, truncated or inconsistent, or a flag with an impossible value.
/// <see cref="Subject"/> names the file or flag; the CLI prints "subject: message" and exits with code 2.
/// </summary>
public sealed class InputException(string subject, string message) : Exception(message)
{
    public string Subject { get; } = subject;

    public override string ToString() => $"{Subject}: {Message}";
}
