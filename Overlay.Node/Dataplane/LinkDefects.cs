namespace Overlay.Node.Dataplane;

/// <summary>What is wrong with the data path's link, as <see cref="LinkDiagnosis.Diagnose"/> finds it.
/// Each defect is one value of the <c>what</c> label of overlay_dataplane_repairs_total.</summary>
[Flags]
public enum LinkDefects
{
    /// <summary>The link is as the data path configured it.</summary>
    None = 0,

    /// <summary>The TUN device is gone (ip link del): the session must be restarted, not repaired.</summary>
    DeviceMissing = 1,

    /// <summary>The device is administratively down (ip link set down).</summary>
    LinkDown = 2,

    /// <summary>The device lacks its address (or has another one).</summary>
    AddressMissing = 4,

    /// <summary>The route of the Network through the device is missing (deleted, or flushed with the link).</summary>
    RouteMissing = 8,

    /// <summary>The unreachable backstop route of the Network is missing.</summary>
    BackstopMissing = 16,
}
