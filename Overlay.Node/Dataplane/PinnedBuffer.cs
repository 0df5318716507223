using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Overlay.Node.Dataplane;

/// <summary>
/// A byte array pinned for its whole life (pinned object heap), so the hot path can hand raw
/// pointers into it to writev/sendmsg without fixing it per call. Owned by one pump; freed by the GC.
/// </summary>
internal sealed unsafe class PinnedBuffer(int length)
{
    /// <summary>The array.</summary>
    public byte[] Array { get; } = GC.AllocateArray<byte>(length, pinned: true);

    /// <summary>Address of element 0; stable because the array is pinned.</summary>
    public byte* Pointer => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Array));

    /// <summary>The whole array as a span.</summary>
    public Span<byte> Span => Array;
}
