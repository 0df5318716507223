using System.Runtime.InteropServices;

namespace Overlay.Node.Tun;

/// <summary>
/// struct iovec: one piece of a gathered write or send. The memory it points to must stay pinned
/// (pinned arrays or native memory) until the call using it returns; the struct itself owns nothing.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct IoVector
{
    /// <summary>Start of the piece.</summary>
    public byte* Base;

    /// <summary>Length of the piece in bytes.</summary>
    public nuint Length;

    /// <summary>A piece of <paramref name="length"/> bytes at <paramref name="start"/>.</summary>
    public IoVector(byte* start, int length)
    {
        Base = start;
        Length = (nuint)length;
    }

    /// <summary>The piece as a span (for fakes and tests).</summary>
    public readonly ReadOnlySpan<byte> AsSpan() => new(Base, (int)Length);
}
