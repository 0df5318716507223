namespace Overlay.Actors.Configuration;

/// <summary>
/// The numbers the network config rules and the lease registry's pure logic rest on, in one place
/// so that each has its reason next to it. Values marked "flannel" must match flannel's, because
/// operators bring their net-conf.json from flannel.
/// </summary>
public static class OverlayConstants
{
    /// <summary>The embedded default Network for labs (flannel's Kubernetes manifests use it too).</summary>
    public const string DefaultNetwork = "10.244.0.0/16";

    /// <summary>flannel: SubnetLen when Network is /22 or larger (a /24 per host: 254 pods).</summary>
    public const int DefaultSubnetLen = 24;

    /// <summary>flannel: the longest Network prefix that still gets <see cref="DefaultSubnetLen"/>;
    /// a longer one is split into four (prefix + <see cref="MinSubnetBits"/>).</summary>
    public const int LongestPrefixForDefaultSubnetLen = 22;

    /// <summary>flannel: SubnetLen is at least Network prefix + 2, so the Network holds at least four
    /// subnets (the first is skipped by the default SubnetMin, so two would leave only one host).</summary>
    public const int MinSubnetBits = 2;

    /// <summary>flannel: the longest SubnetLen; a host subnet needs room for the tunnel and bridge
    /// addresses besides pods, so /31 and /32 are refused.</summary>
    public const int MaxSubnetLen = 30;

    /// <summary>flannel: the longest useful Network prefix (/28 split into four /30s).</summary>
    public const int MaxNetworkPrefix = 28;

    /// <summary>flannel: the backend when Backend is absent; the only one Overlay implements.</summary>
    public const string UdpBackendType = "udp";

    /// <summary>flannel: the UDP backend's port, on both ends.</summary>
    public const int DefaultUdpPort = 8285;

    /// <summary>The highest UDP port number.</summary>
    public const int MaxPort = 65535;

    /// <summary>How many characters of an offending value an error message quotes, so that one
    /// pasted blob cannot turn a one-line error into a page.</summary>
    public const int MaxQuotedValueLength = 80;

    /// <summary>How many recently freed subnets the registry remembers (to hand them out last).
    /// Bounded so that a churny cluster cannot grow the state and its snapshots without limit;
    /// when it is exceeded the oldest is forgotten and counts as never used again. 4096 covers
    /// many hours of churn on a /16 while keeping the snapshot small.</summary>
    public const int MaxFreedSubnetsRemembered = 4096;

    /// <summary>The cluster role of members that may host the lease registry (seeds); the registry
    /// takes network config changes and evictions only from members with it. Matches
    /// Overlay.Hosting's ClusterRoles.Registry.</summary>
    public const string RegistryRole = "registry";

    /// <summary>A renewal within TTL / 20 of the last persisted one is answered without a new event:
    /// retried renewals that a failover held back arrive together and must not each cost an event,
    /// while a node renewing at a third of its lease's remaining life is never coalesced.</summary>
    public const int RenewalCoalescingTtlDivisor = 20;

    /// <summary>The longest renewal coalescing window (with the default 24h TTL the window is this).</summary>
    public static readonly TimeSpan MaxRenewalCoalescing = TimeSpan.FromMinutes(1);

    /// <summary>A registry sweep later than this (and than <see cref="RegistryStallSweeps"/> sweep
    /// intervals) means the registry did not run meanwhile (stopped, starved): that time is not
    /// counted against leases. 5 s is far above a GC pause or scheduler jitter, far below any TTL.</summary>
    public static readonly TimeSpan RegistryStallThreshold = TimeSpan.FromSeconds(5);

    /// <summary>See <see cref="RegistryStallThreshold"/>: with a long sweep interval, ten missed sweeps.</summary>
    public const int RegistryStallSweeps = 10;

    /// <summary>How many registry snapshots stay in the snapshot store: saving one deletes only those
    /// older than the last this many. A snapshot that fails to load makes the registry replay the
    /// whole journal (events are never deleted), so older snapshots are not needed for recovery;
    /// keeping a few leaves an operator something to compare or restore by hand while the table
    /// stays bounded.</summary>
    public const int RegistrySnapshotsKept = 3;
}
