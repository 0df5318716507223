namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>The last line of overlay-fuzz fuzz: "sent total=N random=N ... elapsed_ms=T seed=S target=A".</summary>
public static class FuzzReport
{
    /// <summary>The numeric fields of the report line in <paramref name="stdout"/> by name
    /// (total, random, truncated, bad_version, bad_ihl, bad_total_length, spoofed, send_errors,
    /// attempted, elapsed_ms, seed).</summary>
    public static Dictionary<string, long> Parse(string stdout)
    {
        string line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("sent total=", StringComparison.Ordinal))
            ?? throw new FormatException($"no 'sent total=' line in: {stdout}");
        return line["sent ".Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2 && long.TryParse(pair[1], out _))
            .ToDictionary(pair => pair[0], pair => long.Parse(pair[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
