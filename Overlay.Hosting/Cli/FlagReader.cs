using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Overlay.Hosting.Cli;

/// <summary>
/// Reads flag values with environment mirrors: the flag if given, else the first environment
/// variable that is set, else the default. Every parse error names where the value came from
/// ("--cluster-port" or "CLUSTER_PORT") and the value.
/// </summary>
public sealed class FlagReader(ParseResult result, Func<string, string?>? environment = null)
{
    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    /// <summary>The raw value and its source, or (null, flag name) when nothing is set. A
    /// <see cref="FlagOption"/> brings its own environment variables; <paramref name="environmentNames"/>
    /// are for plain options.</summary>
    public (string? Value, string Source) Raw(Option<string?> option, params string[] environmentNames)
    {
        var fromFlag = result.GetValue(option);
        if (fromFlag is not null)
            return (fromFlag, option.Name);
        IEnumerable<string> names = environmentNames.Length == 0 && option is FlagOption flag ? flag.Environment : environmentNames;
        foreach (var name in names)
        {
            var fromEnvironment = _environment(name);
            if (!string.IsNullOrEmpty(fromEnvironment))
                return (fromEnvironment, name);
        }
        return (null, option.Name);
    }

    /// <summary>A string value, or <paramref name="fallback"/>.</summary>
    public string String(Option<string?> option, string fallback, params string[] environmentNames) =>
        Raw(option, environmentNames).Value ?? fallback;

    /// <summary>An optional string value.</summary>
    public string? OptionalString(Option<string?> option, params string[] environmentNames) =>
        Raw(option, environmentNames).Value;

    /// <summary>A TCP/UDP port; 0 only when <paramref name="allowZero"/>.</summary>
    public int Port(Option<string?> option, int fallback, bool allowZero, params string[] environmentNames)
    {
        var (value, source) = Raw(option, environmentNames);
        if (value is null)
            return fallback;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port > 65535 || (port == 0 && !allowZero))
            throw new SettingsException($"{source}: not a port number ({(allowZero ? 0 : 1)}..65535): '{value}'");
        return port;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public int Integer(Option<string?> option, int fallback, int min, int max, params string[] environmentNames)
    {
        var (value, source) = Raw(option, environmentNames);
        if (value is null)
            return fallback;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
            throw new SettingsException($"{source}: not a whole number from {min} to {max}: '{value}'");
        return number;
    }

    /// <summary>An optional IPv4 address.</summary>
    public IPAddress? Ipv4(Option<string?> option, params string[] environmentNames)
    {
        var (value, source) = Raw(option, environmentNames);
        if (value is null)
            return null;
        if (!IPAddress.TryParse(value, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
            throw new SettingsException($"{source}: not an IPv4 address: '{value}'");
        return address;
    }

    /// <summary>A duration such as "24h", "5m", "30s", "500ms", "1d" or "00:05:00".</summary>
    public TimeSpan Duration(Option<string?> option, TimeSpan fallback, params string[] environmentNames)
    {
        var (value, source) = Raw(option, environmentNames);
        if (value is null)
            return fallback;
        return TryParseDuration(value, out var duration) && duration > TimeSpan.Zero
            ? duration
            : throw new SettingsException($"{source}: not a positive duration (e.g. 24h, 5m, 30s): '{value}'");
    }

    /// <summary>A comma-separated list (empty entries dropped).</summary>
    public IReadOnlyList<string> List(Option<string?> option, params string[] environmentNames)
    {
        var value = Raw(option, environmentNames).Value;
        return value is null
            ? []
            : value.Trim().Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => s.Trim('"')).ToList();
    }

    /// <summary>A comma-separated list of cluster seed addresses, each akka.tcp://overlay@host:port or
    /// akka.ssl.tcp://overlay@host:port (the cluster's TLS setting picks the protocol; see
    /// <see cref="Cluster.ClusterSettings.NormalizeSeeds"/>).</summary>
    public List<string> SeedAddresses(Option<string?> option, params string[] environmentNames)
    {
        var plain = $"{Cluster.ClusterSettings.PlainProtocol}://{Cluster.ClusterSettings.SystemName}@";
        var tls = $"{Cluster.ClusterSettings.TlsProtocol}://{Cluster.ClusterSettings.SystemName}@";
        var source = Raw(option, environmentNames).Source;
        var seeds = List(option, environmentNames).ToList();
        foreach (var seed in seeds)
        {
            // Name where the list came from: a bad CLUSTER_SEEDS is not a bad --seeds.
            if (!seed.StartsWith(plain, StringComparison.Ordinal) && !seed.StartsWith(tls, StringComparison.Ordinal))
                throw new SettingsException($"{source}: not an address {plain}host:port (or {tls}host:port): '{seed}'");
        }
        return seeds;
    }

    /// <summary>One of <paramref name="allowed"/> (case-insensitive), returned in lower case.</summary>
    public string Choice(Option<string?> option, string fallback, string[] allowed, params string[] environmentNames)
    {
        var (value, source) = Raw(option, environmentNames);
        if (value is null)
            return fallback;
        var lower = value.Trim().ToLowerInvariant();
        return allowed.Contains(lower)
            ? lower
            : throw new SettingsException($"{source}: must be one of {string.Join(", ", allowed)}: '{value}'");
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
