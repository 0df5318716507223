using System.Text.RegularExpressions;

namespace Overlay.Compose.Tests.Infrastructure;

/// <summary>
/// The outcome of one lab/compose-smoke.sh run: its exit code, its result lines ("SMOKE
/// &lt;scenario&gt; &lt;check&gt; ... [+Ns]") and its diagnostics (stderr). Immutable.
/// </summary>
/// <param name="ExitCode">The script's exit status (124 or 137: it hit the time limit).</param>
/// <param name="Lines">Standard output, one entry per line.</param>
/// <param name="Diagnostics">Standard error: progress and, on failure, container logs.</param>
/// <param name="Duration">Wall-clock time of the run.</param>
public sealed record SmokeRun(int ExitCode, IReadOnlyList<string> Lines, string Diagnostics, TimeSpan Duration)
{
    /// <summary>The result lines of <paramref name="scenario"/>, without the "SMOKE " prefix.</summary>
    public IReadOnlyList<string> Of(string scenario) =>
        Lines.Where(l => l.StartsWith($"SMOKE {scenario} ", StringComparison.Ordinal))
            .Select(l => l["SMOKE ".Length..]).ToList();

    /// <summary>The first of <paramref name="lines"/> matching <paramref name="pattern"/>, or a
    /// failure naming the pattern and showing the lines it was looked for in.</summary>
    public static Match Find(IReadOnlyList<string> lines, string pattern)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        foreach (var line in lines)
        {
            var match = regex.Match(line);
            if (match.Success)
                return match;
        }
        throw new Xunit.Sdk.XunitException($"no result line matches /{pattern}/ in:\n  {string.Join("\n  ", lines)}");
    }

    /// <summary>The ordered (from, to) node pairs of the ping lines among <paramref name="lines"/>
    /// whose ping got at least one answer.</summary>
    public static IReadOnlyList<(string From, string To)> AnsweredPings(IEnumerable<string> lines)
    {
        var regex = new Regex(@" ping (node\d+) -> (node\d+) \(10\.244\.\d+\.0\): ([1-9]\d*)/\d+ received",
            RegexOptions.CultureInvariant);
        return lines.Select(l => regex.Match(l)).Where(m => m.Success)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
    }
}
