using System.Globalization;
using System.Text;
using Overlay.Faults.Tests.Checker;

namespace Overlay.Faults.Tests.Harness;

/// <summary>The suite's table: one line per row (fault, checks held, checks violated, probes lost
/// after the fault started, time to heal, wall time), then each violation's evidence.</summary>
public static class ResultTable
{
    /// <summary>The header line.</summary>
    public const string Header = "| row | fault | held | violated | probes lost | heal | wall |\n|---|---|---|---|---|---|---|";

    /// <summary>Formats verdicts with their wall times.</summary>
    public static string Format(IEnumerable<(Verdict Verdict, TimeSpan Wall)> rows)
    {
        var text = new StringBuilder(Header).AppendLine();
        var evidence = new StringBuilder();
        foreach (var (verdict, wall) in rows)
        {
            string held = string.Join(" ", verdict.Results.Where(r => r.Held).Select(r => r.Id));
            string violated = string.Join(" ", verdict.Violations.Select(r => r.Id));
            string heal = verdict.SecondsToHeal is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s:F0}s") : "-";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {verdict.Row} | {verdict.Fault} | {held} | {(violated.Length == 0 ? "none" : violated)} | {verdict.Probes} | {heal} | {wall.TotalSeconds:F0}s |");
            foreach (var result in verdict.Results)
            {
                evidence.AppendLine(CultureInfo.InvariantCulture, $"  {verdict.Row} {result.Id} {(result.Held ? "held" : "VIOLATED")}: {result.Evidence}");
            }
        }

        return text.Append(evidence).ToString();
    }

    /// <summary>Appends to artifacts/faults/summary.md (lab/faults.sh prints it).</summary>
    public static void Append(string table)
    {
        Directory.CreateDirectory(HistoryFile.Directory);
        File.AppendAllText(Path.Combine(HistoryFile.Directory, "summary.md"), table + "\n");
    }
}
