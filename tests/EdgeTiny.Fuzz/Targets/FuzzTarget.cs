namespace EdgeTiny.Fuzz.Targets;

/// <summary>
/// One reader under fuzz: <see cref="Run"/> feeds it the input; <see cref="Refusal"/> says which exceptions are the
/// reader's typed "bad input" answers. Anything else escaping (IndexOutOfRange, NullReference, Overflow, OutOfMemory…)
/// is a crash: the harness lets it through so AFL++ records it.
/// </summary>
public sealed record FuzzTarget(string Name, string Reader, Action<byte[]> Run, Func<Exception, bool> Refusal)
{
    /// <summary>Runs one input; returns the refusal (null when the input was accepted); rethrows a crash.</summary>
    public Exception? Execute(byte[] input)
    {
        try
        {
            Run(input);
            return null;
        }
        catch (Exception e) when (Refusal(e))
        {
            return e;
        }
    }
}
