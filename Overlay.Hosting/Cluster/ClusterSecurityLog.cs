using Microsoft.Extensions.Logging;

namespace Overlay.Hosting.Cluster;

/// <summary>Start-time warnings about how exposed the control plane is (event ids 60-69).</summary>
public static partial class ClusterSecurityLog
{
    /// <summary>Logs the warnings that <paramref name="cluster"/> calls for: remoting without TLS.</summary>
    public static void WarnIfInsecure(ILogger logger, ClusterSettings cluster)
    {
        if (cluster.Tls is null)
            LogInsecureCluster(logger, cluster.BindHost, cluster.Port);
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Warning,
        Message = "cluster remoting runs WITHOUT TLS (--insecure-cluster): anyone who reaches {BindHost}:{Port} can join the cluster and send it commands; give --tls-cert, --tls-key and --tls-ca outside tests")]
    private static partial void LogInsecureCluster(ILogger logger, string bindHost, int port);
}
