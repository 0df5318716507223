namespace Overlay.Node.Dataplane;

/// <summary>What <see cref="GsoSplitter.Split"/> made of one offload TUN read.</summary>
public enum GsoSplitResult
{
    /// <summary>One ordinary packet (checksum completed if it was pending): handle it as without offloads.</summary>
    Single,
    /// <summary>A TCP super-packet cut into <see cref="GsoSplitter.Count"/> segments.</summary>
    Segmented,
    /// <summary>Not IPv4 (empty or another version).</summary>
    NotIpv4,
    /// <summary>The virtio header and the packet disagree, or the packet is inconsistent.</summary>
    Malformed,
    /// <summary>A segment would exceed the TUN MTU, or there are more segments than the splitter holds.</summary>
    TooBig,
}
