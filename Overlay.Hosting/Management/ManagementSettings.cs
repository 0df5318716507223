namespace Overlay.Hosting.Management;

/// <summary>Where the management HTTP endpoint listens.</summary>
/// <param name="Host">Address to bind (default 127.0.0.1; "0.0.0.0" for all).</param>
/// <param name="Port">Port (default 8558, Akka Management's); 0 picks a free one.</param>
public sealed record ManagementSettings(string Host, int Port)
{
    /// <summary>Akka Management's default port.</summary>
    public const int DefaultPort = 8558;
}
