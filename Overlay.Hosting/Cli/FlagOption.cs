using System.CommandLine;

namespace Overlay.Hosting.Cli;

/// <summary>
/// The command-line option of one <see cref="Flag"/>: the text after the flag, if given. Its help line
/// is generated from the declaration ("HELP [env VARS; default DEFAULT]"); <see cref="FlagReader"/>
/// falls back to the declaration's variables and default, and the documentation test reads the
/// declaration's name, variables and default through <see cref="Declaration"/>.
/// </summary>
public sealed class FlagOption : Option<string?>
{
    internal FlagOption(Flag declaration) : base(declaration.Name)
    {
        Declaration = declaration;
        var given = declaration.DefaultText == "required" ? "required" : $"default {declaration.DefaultText}";
        Description = declaration.Environment.Count == 0
            ? $"{declaration.Help} [{given}]"
            : $"{declaration.Help} [env {string.Join(", ", declaration.Environment)}; {given}]";
        if (declaration.IsSwitch)
            Arity = ArgumentArity.ZeroOrOne;
    }

    /// <summary>The flag this option stands for.</summary>
    public Flag Declaration { get; }

    /// <summary>What the flag does.</summary>
    public string Help => Declaration.Help;

    /// <summary>The environment variables read when the flag is not given, in order.</summary>
    public IReadOnlyList<string> Environment => Declaration.Environment;

    /// <summary>The default in words, as the configuration reference and the env files state it.</summary>
    public string DefaultText => Declaration.DefaultText;
}
