using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Overlay.Hosting.Cli;

/// <summary>
/// The parsers <see cref="Flag{T}"/> declarations use: text to value, or <see cref="FlagValueException"/>
/// saying what was expected. The flag adds where the text came from and the text itself, so every
/// error reads "--cluster-port: not a port number (0..65535): 'x'" or "CLUSTER_PORT: ...".
/// </summary>
public static class FlagParsers
{
    /// <summary>The text as given.</summary>
    public static string Text(string text) => text;

    /// <summary>A TCP/UDP port; 0 only when <paramref name="allowZero"/>.</summary>
    public static Func<string, int> Port(bool allowZero) => text =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 && (port != 0 || allowZero)
            ? port
            : throw new FlagValueException($"not a port number ({(allowZero ? 0 : 1)}..65535)");

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Func<string, int> Integer(int min, int max) => text =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new FlagValueException($"not a whole number from {min} to {max}");

    /// <summary>A whole number of at least 1.</summary>
    public static int PositiveInteger(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= 1
            ? number
            : throw new FlagValueException("not a positive whole number");

    /// <summary>An IPv4 address.</summary>
    public static IPAddress? Ipv4(string text) =>
        IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetwork
            ? address
            : throw new FlagValueException("not an IPv4 address");

    /// <summary>A positive duration such as "24h", "5m", "30s", "500ms", "1d" or "00:05:00".</summary>
    public static TimeSpan Duration(string text) =>
        TryParseDuration(text, out var duration) && duration > TimeSpan.Zero
            ? duration
            : throw new FlagValueException("not a positive duration (e.g. 24h, 5m, 30s)");

    /// <summary>One of <paramref name="allowed"/> (case-insensitive), returned in lower case.</summary>
    public static Func<string, string> Choice(params string[] allowed) => text =>
    {
        var lower = text.Trim().ToLowerInvariant();
        return allowed.Contains(lower) ? lower : throw new FlagValueException($"must be one of {string.Join(", ", allowed)}");
    };

    /// <summary>"on" or "off".</summary>
    public static bool OnOff(string text) => Choice("on", "off")(text) == "on";

    /// <summary>A boolean as flannel's flags take it: true, false, on, off, 1 or 0.</summary>
    public static bool Boolean(string text) => Choice("true", "false", "on", "off", "1", "0")(text) is "true" or "on" or "1";

    /// <summary>A comma-separated list (brackets, quotes and empty entries dropped).</summary>
    public static IReadOnlyList<string> List(string text) =>
        text.Trim().Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.Trim('"')).ToList();

    /// <summary>A comma-separated list of cluster seed addresses, each akka.tcp://overlay@host:port or
    /// akka.ssl.tcp://overlay@host:port (the cluster's TLS setting picks the protocol; see
    /// <see cref="Cluster.ClusterSettings.NormalizeSeeds"/>); the error names the bad entry.</summary>
    public static IReadOnlyList<string> SeedAddresses(string text)
    {
        var plain = $"{Cluster.ClusterSettings.PlainProtocol}://{Cluster.ClusterSettings.SystemName}@";
        var tls = $"{Cluster.ClusterSettings.TlsProtocol}://{Cluster.ClusterSettings.SystemName}@";
        var seeds = List(text);
        foreach (var seed in seeds)
        {
            if (!seed.StartsWith(plain, StringComparison.Ordinal) && !seed.StartsWith(tls, StringComparison.Ordinal))
                throw new FlagValueException($"not an address {plain}host:port (or {tls}host:port)", seed);
        }
        return seeds;
    }

    /// <summary>Parses "24h", "5m", "30s", "500ms", "1d" or a .NET TimeSpan ("00:05:00").</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        text = text.Trim();
        duration = default;
        (string Suffix, double Ticks)[] units =
        [
            ("ms", TimeSpan.TicksPerMillisecond), ("s", TimeSpan.TicksPerSecond), ("m", TimeSpan.TicksPerMinute),
            ("h", TimeSpan.TicksPerHour), ("d", TimeSpan.TicksPerDay),
        ];
        foreach (var (suffix, ticks) in units)
        {
            if (!text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) || (suffix == "s" && text.EndsWith("ms", StringComparison.OrdinalIgnoreCase)))
                continue;
            if (!double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
                || double.IsNaN(amount) || amount < 0 || amount * ticks > TimeSpan.MaxValue.Ticks)
                return false;
            duration = TimeSpan.FromTicks((long)(amount * ticks));
            return true;
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration);
    }
}
