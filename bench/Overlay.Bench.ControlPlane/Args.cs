using System.Globalization;

namespace Overlay.Bench.ControlPlane;

/// <summary>"--key value" pairs after the subcommand; unknown keys are an error naming the key.</summary>
public sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Parses <paramref name="args"/>; throws ArgumentException on a key without value.</summary>
    public Args(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
                throw new ArgumentException($"expected '--key value', got '{args[i]}'");
            _values[args[i][2..]] = args[++i];
        }
    }

    /// <summary>An integer option.</summary>
    public int Int(string key, int fallback)
    {
        _read.Add(key);
        if (!_values.TryGetValue(key, out var text))
            return fallback;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"--{key}: not a positive integer: '{text}'");
    }

    /// <summary>A string option.</summary>
    public string? String(string key, string? fallback = null)
    {
        _read.Add(key);
        return _values.GetValueOrDefault(key, fallback!);
    }

    /// <summary>Throws when an option was given that no code read.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(k => "--" + k))}");
    }
}
