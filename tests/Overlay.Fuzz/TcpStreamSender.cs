using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Overlay.Fuzz;

/// <summary>
/// The send-tcp mode: connects to <c>Target</c> (retrying until the deadline while nobody listens),
/// sends <c>Bytes</c> pseudo-random bytes generated from <c>Seed</c>, half-closes, and prints
/// <c>sent bytes=N sha256=HEX elapsed_ms=T</c>.
/// </summary>
internal sealed record TcpStreamSender(IPEndPoint Target, long Bytes, int Seed, int MaxSeconds)
{
    /// <summary>Runs the transfer and writes the report to <paramref name="output"/>; returns the exit code.</summary>
    public async Task<int> ExecuteAsync(TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(MaxSeconds));
        using var socket = await ConnectAsync(timeout.Token);
        if (socket is null)
        {
            output.WriteLine($"send-tcp: connect to {Target} did not succeed within {MaxSeconds}s");
            return ExitCodes.TimedOut;
        }

        var random = new Random(Seed);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = new byte[FuzzConstants.StreamChunkBytes];
        long remaining = Bytes;
        try
        {
            while (remaining > 0)
            {
                int length = (int)Math.Min(chunk.Length, remaining);
                random.NextBytes(chunk.AsSpan(0, length));
                hash.AppendData(chunk, 0, length);
                await socket.SendAsync(chunk.AsMemory(0, length), SocketFlags.None, timeout.Token);
                remaining -= length;
            }

            socket.Shutdown(SocketShutdown.Send);
            // Wait for the receiver's close so that "sent" means "read to the end by the peer".
            int read = await socket.ReceiveAsync(chunk.AsMemory(), SocketFlags.None, timeout.Token);
            if (read != 0)
            {
                output.WriteLine($"send-tcp: receiver at {Target} sent {read} unexpected bytes");
            }
        }
        catch (OperationCanceledException)
        {
            output.WriteLine($"send-tcp: transfer to {Target} timed out after {MaxSeconds}s with {remaining} of {Bytes} bytes unsent");
            return ExitCodes.TimedOut;
        }
        catch (SocketException e)
        {
            output.WriteLine($"send-tcp: transfer to {Target} failed with {remaining} of {Bytes} bytes unsent: {e.SocketErrorCode} ({e.Message})");
            return ExitCodes.Failed;
        }

        output.WriteLine($"sent bytes={Bytes} sha256={Convert.ToHexStringLower(hash.GetHashAndReset())} elapsed_ms={clock.ElapsedMilliseconds}");
        return ExitCodes.Success;
    }

    private async Task<Socket?> ConnectAsync(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(Target, cancellation);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.NetworkUnreachable or SocketError.HostUnreachable)
            {
                socket.Dispose();
            }
            catch (OperationCanceledException)
            {
                socket.Dispose();
                return null;
            }

            try
            {
                // Retry interval of a bounded connect loop (the receiver may not listen yet).
                await Task.Delay(FuzzConstants.ConnectRetryMilliseconds, cancellation);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        return null;
    }
}
