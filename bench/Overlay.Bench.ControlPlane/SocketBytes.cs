using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// TCP bytes sent and received per process, summed over its open sockets, from <c>ss -tinpH</c>
/// (the kernel's tcp_info counters). /proc/pid/io cannot give them: .NET sockets use
/// send/recvmsg, which rchar/wchar do not count. Sockets closed before a reading are not counted,
/// so use it over windows in which connections stay open (cluster associations do).
/// </summary>
public static partial class SocketBytes
{
    /// <summary>Runs ss and returns (sent, received) per process id among <paramref name="pids"/>
    /// (a pid without sockets is (0, 0)).</summary>
    public static IReadOnlyDictionary<int, (long Sent, long Received)> Read(IReadOnlyCollection<int> pids)
    {
        var start = new ProcessStartInfo("ss", "-tinpH") { RedirectStandardOutput = true };
        using var ss = Process.Start(start) ?? throw new InvalidOperationException("starting 'ss -tinpH' failed");
        var text = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        var all = Parse(text);
        return pids.ToDictionary(p => p, p => all.GetValueOrDefault(p));
    }

    /// <summary>Sums bytes_sent/bytes_received of <c>ss -tinpH</c> output per owning pid: a socket's
    /// line names its process (users:(("dotnet",pid=N,fd=M))), the indented line after it holds
    /// the counters.</summary>
    public static Dictionary<int, (long Sent, long Received)> Parse(string text)
    {
        var sums = new Dictionary<int, (long Sent, long Received)>();
        int? owner = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
                continue;
            if (!char.IsWhiteSpace(line[0]))
            {
                var pid = PidPattern().Match(line);
                owner = pid.Success ? int.Parse(pid.Groups[1].Value, CultureInfo.InvariantCulture) : null;
                continue;
            }
            if (owner is not { } o)
                continue;
            var sent = Counter(line, SentPattern());
            var received = Counter(line, ReceivedPattern());
            var sum = sums.GetValueOrDefault(o);
            sums[o] = (sum.Sent + sent, sum.Received + received);
            owner = null;
        }
        return sums;
    }

    private static long Counter(string line, Regex pattern)
    {
        var match = pattern.Match(line);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"pid=(\d+),")]
    private static partial Regex PidPattern();

    [GeneratedRegex(@"\bbytes_sent:(\d+)")]
    private static partial Regex SentPattern();

    [GeneratedRegex(@"\bbytes_received:(\d+)")]
    private static partial Regex ReceivedPattern();
}
