using System.Text;
using System.Text.Json;

namespace Overlay.Hosting.Logging;

/// <summary>
/// A process's effective settings as ordered name/value pairs, built once from the bound settings
/// and used both for the one start log line and for `check-config`. Builders must put only
/// redacted values here (no token, no database password): everything in it gets printed.
/// </summary>
public sealed class EffectiveSettings
{
    private readonly List<KeyValuePair<string, string>> _items = [];

    /// <summary>The pairs in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Items => _items;

    /// <summary>Adds one setting.</summary>
    public EffectiveSettings Add(string name, object? value)
    {
        _items.Add(new(name, Format(value)));
        return this;
    }

    /// <summary>Adds the bound value of <paramref name="flag"/> under its name, shown as the flag declares.</summary>
    public EffectiveSettings Add<T>(Cli.Flag<T> flag, T value) => Add(flag.SettingName, flag.Show(value));

    /// <summary>Adds <paramref name="flag"/>'s item with a text worked out from other settings too
    /// (e.g. the TUN MTU computed from the underlay's).</summary>
    public EffectiveSettings AddShown(Cli.Flag flag, string text) => Add(flag.SettingName, text);

    /// <summary>How a value shows: "(none)" for null, on/off for booleans, "24h" for durations.</summary>
    public static string Format(object? value) => value switch
    {
        null => "(none)",
        bool b => b ? "on" : "off",
        TimeSpan t => FormatDuration(t),
        _ => value.ToString() ?? "",
    };

    /// <summary>"name=value, name=value" for the start log.</summary>
    public string ToLogLine() => string.Join(", ", _items.Select(i => $"{i.Key}={i.Value}"));

    /// <summary>One "name  value" line per setting, aligned, for check-config.</summary>
    public string ToTable()
    {
        var width = _items.Count == 0 ? 0 : _items.Max(i => i.Key.Length);
        var text = new StringBuilder();
        foreach (var (name, value) in _items)
            text.Append(name.PadRight(width + 2)).Append(value).Append('\n');
        return text.ToString();
    }

    /// <summary>A JSON object of the settings (check-config --json).</summary>
    public string ToJson()
    {
        var map = new Dictionary<string, string>();
        foreach (var (name, value) in _items)
            map[name] = value;
        return JsonSerializer.Serialize(map, new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n";
    }

    /// <summary>"24h", "5m", "90s", "1500ms": the flag spelling where it is exact, else the TimeSpan.</summary>
    public static string FormatDuration(TimeSpan t)
    {
        if (t.Ticks % TimeSpan.TicksPerHour == 0)
            return $"{t.TotalHours:0}h";
        if (t.Ticks % TimeSpan.TicksPerMinute == 0)
            return $"{t.TotalMinutes:0}m";
        if (t.Ticks % TimeSpan.TicksPerSecond == 0)
            return $"{t.TotalSeconds:0}s";
        if (t.Ticks % TimeSpan.TicksPerMillisecond == 0)
            return $"{t.TotalMilliseconds:0}ms";
        return t.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
    }
}
