using System.Text.RegularExpressions;

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>The last line of overlay-fuzz send-tcp and recv-tcp:
/// "sent|received bytes=N sha256=HEX elapsed_ms=T".</summary>
public static partial class StreamReport
{
    /// <summary>Matches a report; groups: bytes, sha, ms.</summary>
    [GeneratedRegex(@"(?:sent|received) bytes=(?<bytes>\d+) sha256=(?<sha>[0-9a-f]{64}) elapsed_ms=(?<ms>\d+)")]
    public static partial Regex Pattern();
}
