using System.CommandLine;
using EdgeTiny.Converter;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Cli;

/// <summary>
/// The error contract of every command: bad input → one line on stderr naming the file or flag, exit code 2;
/// anything else → one line saying it is an internal error, exit code 1.
/// </summary>
public static class Cli
{
    public const int ExitOk = 0;
    public const int ExitInternal = 1;
    public const int ExitBadInput = 2;

    public static int Invoke(RootCommand root, string[] args)
    {
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"edgetiny: {parsed.Errors[0].Message}");
            return ExitBadInput;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"edgetiny: {e.Subject}: {e.Message}");
            return ExitBadInput;
        }
        catch (ModelFormatException e)
        {
            Console.Error.WriteLine($"edgetiny: {e.Message}");
            return ExitBadInput;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"edgetiny: internal error: {e.GetType().Name}: {e.Message}");
            return ExitInternal;
        }
    }

    /// <summary>Throws a bad-input error for <paramref name="flag"/> unless <paramref name="ok"/>.</summary>
    public static void Require(bool ok, string flag, string problem)
    {
        if (!ok) throw new InputException(flag, problem);
    }
}
