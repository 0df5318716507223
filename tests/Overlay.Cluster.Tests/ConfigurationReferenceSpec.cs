using System.CommandLine;
using System.Text.RegularExpressions;
using Overlay.Hosting.Cli;
using Overlay.Node;
using Overlay.Seed;

namespace Overlay.Cluster.Tests;

/// <summary>
/// Every flag the two processes declare (<see cref="FlagOption"/>: name, variables, default) is in
/// docs/configuration.md with the same variables and default, and in the systemd env file with one of
/// its variables (showing the default when it shows a plain value). Fails on the first drift of either.
/// </summary>
public sealed partial class ConfigurationReferenceSpec
{
    public static TheoryData<string> Processes => new() { "overlay-node", "overlay-seed" };

    [Theory]
    [MemberData(nameof(Processes))]
    public void Every_flag_is_documented_with_its_variables_and_default(string process)
    {
        var documented = DocumentedFlags(process);
        var problems = new List<string>();
        foreach (var flag in FlagsOf(process))
        {
            if (!documented.TryGetValue(flag.Name, out var row))
            {
                problems.Add($"{flag.Name}: no row in docs/configuration.md ## {process}");
                continue;
            }
            if (!row.Environment.SetEquals(flag.Environment))
                problems.Add($"{flag.Name}: docs name variables {string.Join(", ", row.Environment)}, the flag reads {string.Join(", ", flag.Environment)}");
            if (Normalize(row.Default) != Normalize(flag.DefaultText))
                problems.Add($"{flag.Name}: docs give the default '{row.Default}', the flag '{flag.DefaultText}'");
        }
        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Processes))]
    public void Every_flag_is_in_the_systemd_env_file_with_its_default(string process)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "packaging", "systemd", process + ".env"));
        var assignments = new Dictionary<string, (string Value, bool Commented)>();
        foreach (var line in lines)
        {
            var match = EnvLine().Match(line);
            if (match.Success)
                assignments.TryAdd(match.Groups["name"].Value, (match.Groups["value"].Value, match.Groups["hash"].Success));
        }
        var problems = new List<string>();
        foreach (var flag in FlagsOf(process))
        {
            var variable = flag.Environment.FirstOrDefault(assignments.ContainsKey);
            if (variable is null)
            {
                problems.Add($"{flag.Name}: none of {string.Join(", ", flag.Environment)} in {process}.env");
                continue;
            }
            // A commented-out line shows the default; check it where the default is one plain value
            // ("none" and "required" say there is none: the line shows an example).
            var (value, commented) = assignments[variable];
            if (commented && value.Length > 0 && PlainValue().IsMatch(flag.DefaultText) && flag.DefaultText is not ("none" or "required")
                && value != flag.DefaultText)
                problems.Add($"{flag.Name}: {process}.env shows {variable}={value}, the default is {flag.DefaultText}");
        }
        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Processes))]
    public void Every_option_is_a_flag_declared_once(string process)
    {
        var command = CommandOf(process);
        var plain = command.Options.Where(o => o is not FlagOption && o.Name is not ("--help" or "--version"))
            .Select(o => o.Name).ToList();
        Assert.Empty(plain);
    }

    private static RootCommand CommandOf(string process)
    {
        var command = new RootCommand();
        if (process == "overlay-node")
            new NodeOptions().AddTo(command);
        else
            new SeedOptions().AddTo(command);
        return command;
    }

    private static IEnumerable<FlagOption> FlagsOf(string process) => CommandOf(process).Options.OfType<FlagOption>();

    /// <summary>The flag rows of one process's table: flag -> (variables, default column).</summary>
    private static Dictionary<string, (HashSet<string> Environment, string Default)> DocumentedFlags(string process)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "configuration.md"));
        var start = text.IndexOf($"\n## {process}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/configuration.md has no section ## {process}");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? text[start..] : text[start..end];
        var rows = new Dictionary<string, (HashSet<string>, string)>();
        foreach (var line in section.Split('\n'))
        {
            if (!line.StartsWith("| `--", StringComparison.Ordinal))
                continue;
            var cells = line.Split('|');
            var flag = cells[1].Trim().Trim('`');
            var variables = Variable().Matches(cells[2]).Select(m => m.Value).ToHashSet();
            rows.TryAdd(flag, (variables, cells[3].Trim()));
        }
        return rows;
    }

    /// <summary>Markdown and typography aside: no backticks or bold, ASCII minus, single spaces.</summary>
    private static string Normalize(string text) =>
        Regex.Replace(text.Replace("`", "").Replace("**", "").Replace('\u2212', '-'), @"\s+", " ").Trim().ToLowerInvariant();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Overlay.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no Overlay.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"^(?<hash>#)?(?<name>[A-Z][A-Z0-9_]+)=(?<value>.*)$")]
    private static partial Regex EnvLine();

    [GeneratedRegex(@"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^[A-Za-z0-9./:_-]+$")]
    private static partial Regex PlainValue();
}
