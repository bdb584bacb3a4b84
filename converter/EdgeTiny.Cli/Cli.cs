using System.CommandLine;
using EdgeTiny.Converter;
using EdgeTiny.Runtime.Format;
using Spectre.Console;

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
        ConfigureTerminal();
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

    /// <summary>
    /// Piped output (a file, another program, a test) gets plain text, wide enough that tables never wrap;
    /// a terminal gets colours and its own width.
    /// </summary>
    private static void ConfigureTerminal()
    {
        if (!Console.IsOutputRedirected) return;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        AnsiConsole.Profile.Width = 240;
    }

    /// <summary>Throws a bad-input error for <paramref name="flag"/> unless <paramref name="ok"/>.</summary>
    public static void Require(bool ok, string flag, string problem)
    {
        if (!ok) throw new InputException(flag, problem);
    }
}
