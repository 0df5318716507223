using System.Runtime.InteropServices;

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>Sends POSIX signals to single processes by PID: the tests end only what they started.</summary>
internal static partial class PosixSignals
{
    /// <summary>SIGINT: what Ctrl-C sends; tcpdump flushes its file on it.</summary>
    public const int SigInt = 2;

    /// <summary>SIGTERM: graceful shutdown (leave the cluster, keep the lease).</summary>
    public const int SigTerm = 15;

    /// <summary>SIGKILL: a crash, no shutdown at all.</summary>
    public const int SigKill = 9;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process is gone.</summary>
    public static bool Send(int pid, int signal)
    {
        if (pid <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pid), pid, "refusing to signal a process group or every process");
        }

        return Kill(pid, signal) == 0;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
