namespace Mailbox.Bench;

/// <summary>
/// The consumer side of a throughput benchmark: every executed message calls <see cref="Signal"/>, and the one that
/// brings the count to zero wakes the benchmark thread blocked in <see cref="Wait"/>.
/// </summary>
/// <remarks>
/// Every subject runs its messages one at a time (a single reader thread, an actor, an exclusive scheduler), so
/// <see cref="Signal"/> never races itself and needs no interlocked operation: each subject pays the same plain
/// decrement. <see cref="Reset"/> runs on the benchmark thread before the producers start, and starting a thread
/// publishes it. A count that is not back at zero at the next <see cref="Reset"/> means a subject ran a message twice
/// or lost one, and fails the benchmark instead of printing a number for work that was not done.
/// The one subject whose callbacks run concurrently (<see cref="System.Threading.Timer"/>, whose callbacks run on
/// pool threads) counts with <see cref="SignalFromAnyThread"/> instead, and pays an interlocked decrement for it.
/// </remarks>
public sealed class CompletionCountdown : IDisposable
{
    /// <summary>How long <see cref="Wait"/> waits before it declares the subject hung.</summary>
    private static readonly TimeSpan s_hangTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Set by the consumer when the last expected message has run.</summary>
    private readonly ManualResetEventSlim _done = new(initialState: false);

    /// <summary>Messages still expected in this round; written by the consumer only while a round runs.</summary>
    private int _remaining;

    /// <summary>Messages expected in this round, for the error messages.</summary>
    private int _expected;

    /// <summary>Starts a round of <paramref name="count"/> messages; call it before any producer starts.</summary>
    /// <exception cref="InvalidOperationException">The previous round ran more messages than it expected.</exception>
    public void Reset(int count)
    {
        int left = Volatile.Read(ref _remaining);
        if (left != 0)
        {
            throw new InvalidOperationException($"The previous round of {_expected} messages ended with {left} not accounted for (negative: run more than once).");
        }

        _done.Reset();
        _expected = count;
        _remaining = count;
    }

    /// <summary>Counts one executed message; called by the consumer only.</summary>
    public void Signal()
    {
        if (--_remaining == 0)
        {
            _done.Set();
        }
    }

    /// <summary>Counts one executed message from any thread, for subjects that run their callbacks concurrently.</summary>
    public void SignalFromAnyThread()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.Set();
        }
    }

    /// <summary>Blocks until the last message of the round has run.</summary>
    /// <exception cref="TimeoutException">The round did not finish within a minute: the subject hung or lost messages.</exception>
    public void Wait()
    {
        if (!_done.Wait(s_hangTimeout))
        {
            throw new TimeoutException($"{Volatile.Read(ref _remaining)} of {_expected} messages had not run after {s_hangTimeout.TotalSeconds} s.");
        }
    }

    /// <summary>Releases the wait handle.</summary>
    public void Dispose() => _done.Dispose();
}
