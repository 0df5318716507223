using System.Globalization;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// CPU time and resident memory of a process, read from Linux /proc. The scale benches read them
/// for the seed and for every member process they started (network bytes: <see cref="SocketBytes"/>).
/// </summary>
public sealed record ProcStat(double CpuSeconds, long RssBytes)
{
    /// <summary>Clock ticks per second of utime/stime (USER_HZ; 100 on every Linux we run on).</summary>
    private const double UserHz = 100.0;

    /// <summary>Reads /proc/<paramref name="pid"/>/{stat,status}.</summary>
    public static ProcStat Read(int pid) =>
        new(ParseCpuSeconds(File.ReadAllText($"/proc/{pid}/stat")), ParseRssBytes(File.ReadAllText($"/proc/{pid}/status")));

    /// <summary>utime + stime (fields 14 and 15) of a /proc/pid/stat line, in seconds. The command
    /// name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.</summary>
    public static double ParseCpuSeconds(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0)
            throw new FormatException($"/proc stat line without a command name: '{stat}'");
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        if (fields.Length < 13)
            throw new FormatException($"/proc stat line too short: '{stat}'");
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / UserHz;
    }

    /// <summary>VmRSS of a /proc/pid/status text, in bytes.</summary>
    public static long ParseRssBytes(string status) => Field(status, "VmRSS:") * 1024;

    private static long Field(string text, string key)
    {
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        throw new FormatException($"no '{key}' line in /proc text");
    }
}
