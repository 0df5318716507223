namespace Overlay.Hosting.Logging;

/// <summary>How console log lines look.</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per entry (journald priority prefixes under systemd).</summary>
    Text,
    /// <summary>One JSON object per line (Microsoft.Extensions.Logging's JSON console formatter).</summary>
    Json,
}
