using Overlay.Hosting.Cli;

namespace Overlay.Hosting.Management;

/// <summary>Where the management HTTP endpoint listens and who may change things through it.</summary>
/// <param name="Host">Address to bind (default 127.0.0.1; "0.0.0.0" for all).</param>
/// <param name="Port">Port (default 8558, Akka Management's); 0 picks a free one.</param>
public sealed record ManagementSettings(string Host, int Port)
{
    /// <summary>Akka Management's default port.</summary>
    public const int DefaultPort = 8558;

    /// <summary>Default bind address: loopback only.</summary>
    public const string DefaultHost = "127.0.0.1";

    /// <summary>--management-host, the same on both processes.</summary>
    public static readonly Flag<string> HostFlag = new("--management-host", "Address of the management HTTP endpoint (0.0.0.0 for all)",
        ["OVERLAY_MANAGEMENT_HOST"], DefaultHost, FlagParsers.Text);

    /// <summary>--management-port, the same on both processes.</summary>
    public static readonly Flag<int> PortFlag = new("--management-port", "Port of the management HTTP endpoint (0 = any)",
        ["OVERLAY_MANAGEMENT_PORT"], DefaultPort, FlagParsers.Port(allowZero: true));

    /// <summary>The settings <see cref="HostFlag"/> and <see cref="PortFlag"/> give (no token yet).</summary>
    public static ManagementSettings Bind(FlagReader flags) => new(flags.Read(HostFlag), flags.Read(PortFlag));

    /// <summary>Whether <paramref name="host"/> is reachable from this host only ("localhost", 127.0.0.0/8, ::1).</summary>
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address));

    /// <summary>Bearer token the write routes require; null leaves them open (reads are always open),
    /// which the options allow only on a loopback <see cref="Host"/>.</summary>
    public string? Token { get; init; }

    /// <summary>Where <see cref="Token"/> came from, for the start log ("--management-token-file /etc/...",
    /// "OVERLAY_MANAGEMENT_TOKEN" or "none"); never the token itself.</summary>
    public string TokenSource { get; init; } = "none";

    /// <summary>The settings as one log-safe phrase: address and whether writes need a token.</summary>
    public string Describe() => $"{Host}:{Port} (writes {(Token is null ? "open" : $"need the token from {TokenSource}")})";

    /// <inheritdoc />
    /// <remarks>Redacts the token so that no log or error message prints it.</remarks>
    public override string ToString() => $"ManagementSettings {{ Host = {Host}, Port = {Port}, Token = {(Token is null ? "none" : "(redacted)")} }}";
}
