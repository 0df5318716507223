using System.Text.RegularExpressions;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>Reads a /metrics scrape (Prometheus text format) for the assertions of the seed specs.</summary>
public static partial class PrometheusText
{
    /// <summary>The overlay_* metric family names of a scrape (from its TYPE lines), sorted.</summary>
    public static IReadOnlyList<string> Families(string scrape) =>
        TypeLine().Matches(scrape).Select(m => m.Groups[1].Value).Where(n => n.StartsWith("overlay_", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>The value of the first sample of <paramref name="name"/> whose labels contain <paramref name="label"/>; -1 when absent.</summary>
    public static double Value(string scrape, string name, string label = "")
    {
        foreach (Match m in Regex.Matches(scrape, $@"(?m)^{Regex.Escape(name)}(?:\{{(?<labels>[^}}]*)\}})? (?<value>\S+)$"))
        {
            if (m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
                return double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return -1;
    }

    [GeneratedRegex(@"(?m)^# TYPE (\S+) \S+$")]
    private static partial Regex TypeLine();
}
