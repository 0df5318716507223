namespace Overlay.Hosting.Cluster;

/// <summary>Cluster role names; the registry singleton runs on the oldest member with <see cref="Registry"/>.</summary>
public static class ClusterRoles
{
    /// <summary>Members that may host the lease registry singleton.</summary>
    public const string Registry = "registry";

    /// <summary>Seed processes (overlay-seed).</summary>
    public const string Seed = "seed";

    /// <summary>Node agents (overlay-node).</summary>
    public const string Node = "node";
}
