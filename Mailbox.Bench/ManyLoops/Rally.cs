namespace Mailbox.Bench.ManyLoops;

/// <summary>
/// The ball of a ping-pong benchmark: each player counts the hit it received with <see cref="Hit"/> and, while the
/// rally goes on, sends the ball to its partner; the last hit wakes the benchmark thread blocked in <see cref="Wait"/>.
/// </summary>
/// <remarks>
/// Only the player that holds the ball touches the count, and handing the ball over is a message send (a release on the
/// sender's side, an acquire on the receiver's), so the plain decrement needs no interlocked operation, as in
/// <see cref="CompletionCountdown"/>. <see cref="Serve"/> runs on the benchmark thread before the first hit is sent.
/// </remarks>
public sealed class Rally : IDisposable
{
    /// <summary>How long <see cref="Wait"/> waits before it declares the players hung.</summary>
    private static readonly TimeSpan s_hangTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Set by the player that receives the last hit.</summary>
    private readonly ManualResetEventSlim _done = new(initialState: false);

    /// <summary>Hits still to be played in this rally; written by the player holding the ball.</summary>
    private int _remaining;

    /// <summary>Hits of this rally, for the error messages.</summary>
    private int _hits;

    /// <summary>Starts a rally of <paramref name="hits"/> hits; call it before the first hit is sent.</summary>
    /// <exception cref="InvalidOperationException">The previous rally had not ended.</exception>
    public void Serve(int hits)
    {
        int left = Volatile.Read(ref _remaining);
        if (left != 0)
        {
            throw new InvalidOperationException($"The previous rally of {_hits} hits ended with {left} not played.");
        }

        _done.Reset();
        _hits = hits;
        _remaining = hits;
    }

    /// <summary>Counts the hit the calling player received; true while the rally goes on (send the ball back), false after the last hit.</summary>
    public bool Hit()
    {
        if (--_remaining == 0)
        {
            _done.Set();
            return false;
        }

        return true;
    }

    /// <summary>Blocks until the last hit of the rally has been played.</summary>
    /// <exception cref="TimeoutException">The rally did not end within a minute: a player hung or the ball was lost.</exception>
    public void Wait()
    {
        if (!_done.Wait(s_hangTimeout))
        {
            throw new TimeoutException($"{Volatile.Read(ref _remaining)} of {_hits} hits had not been played after {s_hangTimeout.TotalSeconds} s.");
        }
    }

    /// <summary>Releases the wait handle.</summary>
    public void Dispose() => _done.Dispose();
}
