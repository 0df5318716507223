using System.Globalization;
using System.Text.RegularExpressions;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Harness;

/// <summary>
/// Turns the output of <c>ping -n -D -O -i 0.1 -W 1</c> into one <see cref="ProbeSample"/> per
/// sequence number: answered when a reply line names it; lost when ping reported it unanswered
/// ("no answer yet", an ICMP error) or a later sequence number was reported. The last
/// <see cref="UnknownTail"/> sequence numbers without any line are left out: their answer may
/// simply not have arrived before ping was stopped. Pure.
/// </summary>
public static partial class PingOutput
{
    /// <summary>Trailing silent probes left out (one second at 10 Hz).</summary>
    public const int UnknownTail = 10;

    /// <summary>Parses <paramref name="lines"/>; times become seconds since <paramref name="epoch"/>.</summary>
    public static IReadOnlyList<ProbeSample> Parse(IEnumerable<string> lines, string from, string to, DateTimeOffset epoch)
    {
        var answered = new Dictionary<int, double>();
        var reported = new Dictionary<int, double>();
        foreach (string line in lines)
        {
            var match = Line().Match(line);
            if (!match.Success)
            {
                continue;
            }

            double unix = double.Parse(match.Groups["ts"].Value, CultureInfo.InvariantCulture);
            double t = unix - epoch.ToUnixTimeMilliseconds() / 1000.0;
            int seq = int.Parse(match.Groups["seq"].Value, CultureInfo.InvariantCulture);
            if (match.Groups["bytes"].Success)
            {
                // The reply's arrival, less its round trip: when the probe went out.
                double rtt = match.Groups["rtt"].Success ? double.Parse(match.Groups["rtt"].Value, CultureInfo.InvariantCulture) / 1000 : 0;
                answered.TryAdd(seq, t - rtt);
            }

            reported.TryAdd(seq, t);
        }

        if (reported.Count == 0)
        {
            return [];
        }

        int last = reported.Keys.Max();
        var samples = new List<ProbeSample>(last);
        double? previous = null;
        int previousSeq = 0;
        for (int seq = 1; seq <= last; seq++)
        {
            bool ok = answered.TryGetValue(seq, out double sent);
            double t = ok ? sent : reported.TryGetValue(seq, out double seen) ? seen : (previous ?? reported.Values.Min()) + (0.1 * (seq - previousSeq));
            samples.Add(new ProbeSample(Math.Round(t, 3), from, to, seq, ok));
            previous = t;
            previousSeq = seq;
        }

        return samples;
    }

    [GeneratedRegex(@"^\[(?<ts>\d+\.\d+)\]\s(?:(?<bytes>\d+) bytes from [^:]+: icmp_seq=(?<seq>\d+).*?(?:time=(?<rtt>[\d.]+) ms)?$|no answer yet for icmp_seq=(?<seq>\d+)|From \S+ icmp_seq=(?<seq>\d+) .*)")]
    private static partial Regex Line();
}
