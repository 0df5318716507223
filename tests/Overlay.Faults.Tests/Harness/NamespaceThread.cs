using System.Runtime.InteropServices;

namespace Overlay.Faults.Tests.Harness;

/// <summary>
/// Runs short work inside a network namespace on a thread of its own: the thread enters the
/// namespace (setns, which moves only the calling thread) and ends when the work is done, so no
/// pool thread ever changes namespace. Sockets opened there stay in that namespace for their
/// lifetime, which is how the recorder talks to 127.0.0.1 inside each host without a process per
/// request. Thread-safe.
/// </summary>
internal static partial class NamespaceThread
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>Runs <paramref name="work"/> inside namespace <paramref name="ns"/> (a name under /run/netns).</summary>
    public static Task<T> RunAsync<T>(string ns, Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/run/netns/{ns}");
                if (SetNs((int)target.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns into network namespace {ns} failed: errno {Marshal.GetLastPInvokeError()}");
                }

                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns-" + ns,
        };
        thread.Start();
        return done.Task;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
