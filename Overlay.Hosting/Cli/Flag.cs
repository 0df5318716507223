using System.CommandLine;
using Overlay.Hosting.Logging;

namespace Overlay.Hosting.Cli;

/// <summary>
/// A flag declared once: its name, the environment variables that stand in for it (first set wins),
/// its default as docs/configuration.md states it, and its help. <see cref="Flag{T}"/> adds the typed
/// default, the parser and how the bound value shows on the start-up line; the command-line option
/// (<see cref="CreateOption"/>), the bound value (<see cref="FlagReader.Read{T}(Flag{T})"/>), the help line and
/// the start-up line (<see cref="EffectiveSettings.Add{T}(Flag{T}, T)"/>) all come from it.
/// Declarations are immutable and shared; each command gets its own option.
/// </summary>
public abstract class Flag
{
    private protected Flag(string name, string help, IReadOnlyList<string> environment, string defaultText, bool isSwitch)
    {
        if (!name.StartsWith("--", StringComparison.Ordinal))
            throw new ArgumentException($"a flag name starts with '--': '{name}'", nameof(name));
        Name = name;
        Help = help;
        Environment = environment;
        DefaultText = defaultText;
        IsSwitch = isSwitch;
    }

    /// <summary>The flag, e.g. "--cluster-port".</summary>
    public string Name { get; }

    /// <summary>What the flag does.</summary>
    public string Help { get; }

    /// <summary>The environment variables read when the flag is not given, in order.</summary>
    public IReadOnlyList<string> Environment { get; }

    /// <summary>The default in words, as the configuration reference and the env files state it
    /// ("required" for a flag without one).</summary>
    public string DefaultText { get; }

    /// <summary>Whether the flag may stand alone, meaning "true" (flannel's boolean flags: "--ip-masq").</summary>
    public bool IsSwitch { get; }

    /// <summary>The flag's key on the start-up line and in check-config: its name without "--".</summary>
    public string SettingName => Name[2..];

    /// <summary>A new option for one command (System.CommandLine ties an option to the commands it is added to).</summary>
    public FlagOption CreateOption() => new(this);

    /// <summary>Adds an option for each of <paramref name="flags"/> to <paramref name="command"/>, in order.</summary>
    public static void AddTo(Command command, IEnumerable<Flag> flags)
    {
        foreach (var flag in flags)
            command.Options.Add(flag.CreateOption());
    }
}

/// <summary>A flag whose bound value is a <typeparamref name="T"/>: <see cref="Default"/> when neither the
/// flag nor a variable is set, else what the parser makes of the text.</summary>
public sealed class Flag<T> : Flag
{
    private readonly Func<string, T> _parse;
    private readonly Func<T, string> _show;

    /// <summary>Declares <paramref name="name"/>.</summary>
    /// <param name="name">The flag, e.g. "--cluster-port".</param>
    /// <param name="help">What it does; the help line appends "[env VARS; default DEFAULT]".</param>
    /// <param name="environment">Variables read when the flag is not given, first set wins.</param>
    /// <param name="defaultValue">The bound value when nothing is set (null where the default is worked out
    /// from other settings: <paramref name="defaultText"/> says how).</param>
    /// <param name="parse">Text to value; throws <see cref="FlagValueException"/> saying what was expected.</param>
    /// <param name="defaultText">The default in words; null: <paramref name="defaultValue"/> as shown.</param>
    /// <param name="show">The bound value on the start-up line (redact secrets here); null: as
    /// <see cref="EffectiveSettings"/> formats it (on/off, 24h, "(none)").</param>
    /// <param name="isSwitch">The flag may stand alone, meaning "true".</param>
    public Flag(string name, string help, string[] environment, T defaultValue, Func<string, T> parse,
        string? defaultText = null, Func<T, string>? show = null, bool isSwitch = false)
        : base(name, help, environment, defaultText ?? (show ?? ShowPlain)(defaultValue), isSwitch)
    {
        Default = defaultValue;
        _parse = parse;
        _show = show ?? ShowPlain;
    }

    /// <summary>The bound value when neither the flag nor a variable is set.</summary>
    public T Default { get; }

    /// <summary>The value <paramref name="text"/> gives; throws <see cref="SettingsException"/>
    /// "SOURCE: REASON: 'VALUE'" naming <paramref name="source"/> (the flag or the variable).</summary>
    public T Parse(string text, string source) => ParseWith(_parse, text, source);

    /// <summary><paramref name="text"/> read by <paramref name="parse"/>, its <see cref="FlagValueException"/>
    /// turned into the one-line <see cref="SettingsException"/> naming <paramref name="source"/> and the value.</summary>
    internal static T ParseWith(Func<string, T> parse, string text, string source)
    {
        try
        {
            return parse(text);
        }
        catch (FlagValueException e)
        {
            throw new SettingsException($"{source}: {e.Reason}: '{e.Value ?? text}'");
        }
    }

    /// <summary><paramref name="value"/> as the start-up line and check-config show it.</summary>
    public string Show(T value) => _show(value);

    private static string ShowPlain(T value) => EffectiveSettings.Format(value);
}
