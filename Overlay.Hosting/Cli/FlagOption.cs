using System.CommandLine;

namespace Overlay.Hosting.Cli;

/// <summary>
/// A flag declared once: its name, the environment variables that stand in for it (first set wins),
/// its default as docs/configuration.md states it, and its help. The option's help line, the
/// <see cref="FlagReader"/> lookups and the documentation test all read this one declaration.
/// </summary>
public sealed class FlagOption : Option<string?>
{
    /// <summary>Declares <paramref name="name"/>; <paramref name="help"/> is the first part of its
    /// description, which ends in "[env VAR; default DEFAULT]".</summary>
    public FlagOption(string name, string help, string[] environment, string defaultText) : base(name)
    {
        Help = help;
        Environment = environment;
        DefaultText = defaultText;
        var given = defaultText == "required" ? "required" : $"default {defaultText}";
        Description = environment.Length == 0
            ? $"{help} [{given}]"
            : $"{help} [env {string.Join(", ", environment)}; {given}]";
    }

    /// <summary>What the flag does.</summary>
    public string Help { get; }

    /// <summary>The environment variables read when the flag is not given, in order.</summary>
    public IReadOnlyList<string> Environment { get; }

    /// <summary>The default in words, as the configuration reference and the env files state it
    /// ("required" for a flag without one).</summary>
    public string DefaultText { get; }
}
