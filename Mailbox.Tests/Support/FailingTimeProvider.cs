namespace Mailbox.Tests.Support;

/// <summary>
/// A <see cref="TimeProvider"/> over an inner one (a FakeTimeProvider) that throws <see cref="ProviderFailureException"/> from a
/// number of its next clock reads, timer creations or timer armings, as a broken or misconfigured provider would: what
/// the loop does with a provider that fails where the loop cannot hand the exception to a caller.
/// </summary>
public sealed class FailingTimeProvider(TimeProvider inner) : ForwardingTimeProvider(inner)
{
    /// <summary>A count that never runs out: every call fails.</summary>
    public const int Every = -1;

    /// <summary>Reads of the clock still to fail (<see cref="Every"/>: all). Any thread.</summary>
    private int _reads;

    /// <summary>Timer creations still to fail. Any thread.</summary>
    private int _creates;

    /// <summary>Finite <see cref="ITimer.Change"/> calls still to fail. Any thread.</summary>
    private int _changes;

    /// <summary>Reads to fail once a timer of this provider next fires (set just before its callback runs). Any thread.</summary>
    private int _readsAtFire;

    /// <summary>Calls that failed so far.</summary>
    private int _failures;

    /// <summary>Finite <see cref="ITimer.Change"/> calls that went through, counted after the inner timer took them.</summary>
    private int _armings;

    /// <summary>
    /// How many times a timer of this provider has been armed (a finite <see cref="ITimer.Change"/> that did not fail):
    /// what a test waits for to know a loop's thread has armed its clock, since a round trip to the loop may end inside
    /// the very turn whose timer is armed after it.
    /// </summary>
    public int Armings => Volatile.Read(ref _armings);

    /// <summary>How many calls have thrown so far.</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Makes the next <paramref name="count"/> clock reads throw.</summary>
    public void FailReads(int count) => Volatile.Write(ref _reads, count);

    /// <summary>Makes the next <paramref name="count"/> timer creations throw.</summary>
    public void FailCreates(int count) => Volatile.Write(ref _creates, count);

    /// <summary>Makes the next <paramref name="count"/> armings (<see cref="ITimer.Change"/> to a finite due time) throw.</summary>
    public void FailChanges(int count) => Volatile.Write(ref _changes, count);

    /// <summary>When a timer of this provider next fires, makes the next <paramref name="count"/> clock reads throw, before its callback runs.</summary>
    public void FailReadsWhenATimerFires(int count) => Volatile.Write(ref _readsAtFire, count);

    public override DateTimeOffset GetUtcNow()
    {
        FailIfDue(ref _reads, nameof(GetUtcNow));
        return Inner.GetUtcNow();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        FailIfDue(ref _creates, nameof(CreateTimer));
        return new WatchedTimer(
            Inner.CreateTimer(s => Fired(callback, s), state, dueTime, period),
            beforeChange: due =>
            {
                if (due != Timeout.InfiniteTimeSpan)
                {
                    FailIfDue(ref _changes, nameof(ITimer.Change));
                }
            },
            afterChange: due =>
            {
                // Counted once the inner timer is armed: a test that advances the clock as soon as it sees the count
                // must not land between the count and the arming (the timer would then be armed from the advanced time).
                if (due != Timeout.InfiniteTimeSpan)
                {
                    Interlocked.Increment(ref _armings);
                }
            });
    }

    private void Fired(TimerCallback callback, object? state)
    {
        int reads = Interlocked.Exchange(ref _readsAtFire, 0);
        if (reads != 0)
        {
            FailReads(reads);
        }

        callback(state);
    }

    /// <summary>Throws if <paramref name="remaining"/> says this call fails, counting it down.</summary>
    private void FailIfDue(ref int remaining, string call)
    {
        while (true)
        {
            int left = Volatile.Read(ref remaining);
            if (left == 0)
            {
                return;
            }

            if (left == Every || Interlocked.CompareExchange(ref remaining, left - 1, left) == left)
            {
                Interlocked.Increment(ref _failures);
                throw new ProviderFailureException(call);
            }
        }
    }
}

/// <summary>What <see cref="FailingTimeProvider"/> throws.</summary>
public sealed class ProviderFailureException(string call) : Exception($"the time provider failed at {call}");
