using System.CommandLine;
using System.CommandLine.Parsing;

namespace Overlay.Hosting.Cli;

/// <summary>
/// Reads flag values with environment mirrors: the flag if given, else the first environment
/// variable that is set, else the default. Every parse error names where the value came from
/// ("--cluster-port" or "CLUSTER_PORT") and the value.
/// </summary>
public sealed class FlagReader(ParseResult result, Func<string, string?>? environment = null)
{
    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    /// <summary>The bound value of <paramref name="flag"/>: parsed from the flag or the first set variable,
    /// else its default; a switch given alone reads as "true".</summary>
    public T Read<T>(Flag<T> flag)
    {
        if (flag.IsSwitch && result.GetResult(flag.Name) is OptionResult { Implicit: false } alone && alone.Tokens.Count == 0)
            return flag.Parse("true", flag.Name);
        var (value, source) = Raw(flag);
        return value is null ? flag.Default : flag.Parse(value, source);
    }

    /// <summary>The bound value of <paramref name="flag"/> read with <paramref name="parse"/> instead of the
    /// declaration's parser, for a flag whose valid range depends on other settings (--mtu on the --iface MTU).</summary>
    public T Read<T>(Flag<T> flag, Func<string, T> parse)
    {
        var (value, source) = Raw(flag);
        return value is null ? flag.Default : Flag<T>.ParseWith(parse, value, source);
    }

    /// <summary>The text of <paramref name="flag"/> and where it came from, or (null, flag name) when nothing is set.</summary>
    public (string? Value, string Source) Raw(Flag flag)
    {
        var fromFlag = (result.GetResult(flag.Name) as OptionResult)?.GetValueOrDefault<string?>();
        if (fromFlag is not null)
            return (fromFlag, flag.Name);
        foreach (var variable in flag.Environment)
        {
            var fromEnvironment = _environment(variable);
            if (!string.IsNullOrEmpty(fromEnvironment))
                return (fromEnvironment, variable);
        }
        return (null, flag.Name);
    }
}
