namespace Overlay.Faults.Tests.History;

/// <summary>The checks the checker knows: the matrix's invariants I1-I7, the journal replay, and
/// the row-specific outcomes some rows demand.</summary>
public enum Check
{
    /// <summary>I1: never two live hosts with overlay0 or subnet.env on one subnet.</summary>
    I1NoDuplicateSubnet,

    /// <summary>I2: every acknowledged lease is live or ended for a reason that holds.</summary>
    I2NoLeaseLost,

    /// <summary>I3: within the window every process reports the same Up members.</summary>
    I3OneCluster,

    /// <summary>I4: within the window every node's routes equal the registry's leases minus its own.</summary>
    I4ViewsConverge,

    /// <summary>I5: probes lose at most the bound (control plane) or resume in time (data plane).</summary>
    I5Traffic,

    /// <summary>I6: /leases answers on every seed within the window.</summary>
    I6RegistryLive,

    /// <summary>I7: no node moves subnet under running pods without a loud signal.</summary>
    I7NoSilentSwitch,

    /// <summary>J: the journal replays through LeaseRegistryState: contiguous, no overlap, and ends
    /// where the registry's last /leases answer was.</summary>
    JournalReplay,

    /// <summary>S: the listed hosts keep their subnet.</summary>
    SameSubnet,

    /// <summary>R: every intruder is refused: never a lease, and a failure one can see.</summary>
    Refused,

    /// <summary>Q: the journal stays quiet after the fault starts (no lease ping-pong).</summary>
    JournalQuiet,

    /// <summary>N: no lease ends after the fault starts.</summary>
    NoLeaseEnded,

    /// <summary>O: at most one seed leaves (exits, downed or crashed) after the fault starts: two
    /// seeds that lose each other must not both go.</summary>
    AtMostOneSeedLeaves,

    /// <summary>D: a seed reports the configuration drift loudly.</summary>
    DriftReported,

    /// <summary>W: the registry writes its journal again within the registry window after healing.</summary>
    WritesResume,

    /// <summary>U: a seed reports not ready at some sample while the fault lasts.</summary>
    UnreadyDuringFault,

    /// <summary>T: every host whose node runs has overlay0 with an address again within the TUN window after healing.</summary>
    TunRestored,
}
