using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>
/// <see cref="LoopActor.CallLater{TState}"/> and its <see cref="TimerToken"/>: the timer fires with its state on the loop
/// in (due, scheduling order) among handle timers, a token cancels from any thread exactly once, a token of a timer that is
/// over stays inert after the loop reuses what stood behind it, stops count token timers, bad input loses nothing, and a
/// timer set on the loop thread allocates nothing in steady state.
/// </summary>
public abstract class TimerTokenTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly Action<IActorRef> s_tell = static probe => probe.Tell("fired");

    [Fact]
    public async Task CallLater_WithState_FiresOnTheLoop_InOrderWithHandleTimers()
    {
        var fake = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var probe = CreateTestProbe();
        await WithinAsync(loop.RunAsync(() =>
        {
            loop.CallLater(TimeSpan.FromSeconds(2), p => p.Tell(("token-2s", loop.IsOnLoopThread)), probe.Ref);
            loop.CallLater(TimeSpan.FromSeconds(1), () => probe.Tell(("handle-1s", loop.IsOnLoopThread)));
            loop.CallLater(TimeSpan.FromSeconds(1), p => p.Tell(("token-1s", loop.IsOnLoopThread)), probe.Ref);
            loop.CallLater(TimeSpan.FromSeconds(1), static n => Assert.Equal(42, n), 42); // an inline value-type state
            return Task.CompletedTask;
        }));

        fake.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(("handle-1s", true), await probe.ExpectMsgAsync<(string, bool)>(Patience));
        Assert.Equal(("token-1s", true), await probe.ExpectMsgAsync<(string, bool)>(Patience));
        Assert.Equal(("token-2s", true), await probe.ExpectMsgAsync<(string, bool)>(Patience));
        Assert.Equal(0, (await loop.QueryPendingAsync()).PendingTimers);
    }

    [Fact]
    public async Task Cancel_FromAnotherThread_StopsTheTimer_Once()
    {
        var fake = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var probe = CreateTestProbe();
        var token = await WithinAsync(loop.RunAsync(() => Task.FromResult(loop.CallLater(TimeSpan.FromSeconds(1), s_tell, probe.Ref))));
        Assert.Equal(1, (await loop.QueryPendingAsync()).PendingTimers);

        Assert.True(await WithinAsync(OnDedicatedThread(token.Cancel)));
        Assert.False(token.Cancel());
        Assert.False(default(TimerToken).Cancel());
        Assert.True(default(TimerToken).IsDefault);
        Assert.False(token.IsDefault);

        // The cancel's count-out went ahead of this query on the control lane.
        Assert.Equal(0, (await loop.QueryPendingAsync()).PendingTimers);
        fake.Advance(TimeSpan.FromSeconds(5));
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.Equal(0, (await loop.StopAsync()).CancelledTimers); // cancelled by the token, not by the stop
    }

    [Fact]
    public async Task TokenOfAFiredTimer_StaysInert_WhenTheLoopReusesItsCell()
    {
        var fake = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var probe = CreateTestProbe();
        var first = await WithinAsync(loop.RunAsync(() => Task.FromResult(loop.CallLater(TimeSpan.FromSeconds(1), s_tell, probe.Ref))));
        fake.Advance(TimeSpan.FromSeconds(1));
        await probe.ExpectMsgAsync("fired", Patience);

        // The next timer set on the loop takes the fired one's cell from the pool: a new use, a new token.
        var second = await WithinAsync(loop.RunAsync(() => Task.FromResult(loop.CallLater(TimeSpan.FromSeconds(1), s_tell, probe.Ref))));
        Assert.NotEqual(first, second);
        Assert.True(first != second);
        var copy = first;
        Assert.False(first != copy);
        Assert.False(first.Cancel());
        Assert.Equal(1, (await loop.QueryPendingAsync()).PendingTimers);
        fake.Advance(TimeSpan.FromSeconds(1));
        await probe.ExpectMsgAsync("fired", Patience);

        // And a cancelled one's: its token stays cancelled-for-good while the cell serves a third timer.
        var third = await WithinAsync(loop.RunAsync(() => Task.FromResult(loop.CallLater(TimeSpan.FromSeconds(1), s_tell, probe.Ref))));
        Assert.True(third.Cancel());
        var fourth = await WithinAsync(loop.RunAsync(() => Task.FromResult(loop.CallLater(TimeSpan.FromSeconds(1), s_tell, probe.Ref))));
        Assert.False(third.Cancel());
        Assert.False(second.Cancel());
        fake.Advance(TimeSpan.FromSeconds(1));
        await probe.ExpectMsgAsync("fired", Patience);
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.False(fourth.Cancel());
    }

    [Fact]
    public async Task SetFromAnotherThread_FiresOnTheLoop_AndCancelsBeforeItArrives()
    {
        var fake = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var probe = CreateTestProbe();
        var kept = loop.CallLater(TimeSpan.FromSeconds(1), s_tell, probe.Ref);
        var dropped = loop.CallLater(TimeSpan.FromSeconds(1), s_tell, probe.Ref);
        Assert.True(dropped.Cancel()); // its ScheduleTimer message may not have reached the loop yet

        Assert.Equal(1, (await loop.QueryPendingAsync()).PendingTimers);
        fake.Advance(TimeSpan.FromSeconds(1));
        await probe.ExpectMsgAsync("fired", Patience);
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.False(kept.Cancel());
    }

    [Fact]
    public async Task Stop_CancelsPendingTokenTimers_AndCountsThem()
    {
        var fake = new FakeTimeProvider();
        var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var probe = CreateTestProbe();
        var tokens = await WithinAsync(loop.RunAsync(() => Task.FromResult(new[]
        {
            loop.CallLater(TimeSpan.FromSeconds(1), s_tell, probe.Ref),
            loop.CallLater(TimeSpan.FromSeconds(2), s_tell, probe.Ref),
        })));
        var fromOutside = loop.CallLater(TimeSpan.FromSeconds(3), s_tell, probe.Ref);

        var report = await WithinAsync(loop.StopAsync());

        Assert.Equal(3, report.CancelledTimers);
        Assert.All(tokens, t => Assert.False(t.Cancel()));
        Assert.False(fromOutside.Cancel());
        fake.Advance(TimeSpan.FromSeconds(5));
        await probe.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task BadInput_Throws_AndLosesNothingAccepted()
    {
        var fake = new FakeTimeProvider();
        var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var probe = CreateTestProbe();
        loop.CallLater(TimeSpan.FromSeconds(1), s_tell, probe.Ref);

        Assert.Throws<ArgumentNullException>(() => loop.CallLater(TimeSpan.FromSeconds(1), (Action<IActorRef>)null!, probe.Ref));
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.CallLater(TimeSpan.FromSeconds(-1), s_tell, probe.Ref));
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.CallLater(Timeout.InfiniteTimeSpan, s_tell, probe.Ref));
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.CallLater(TimeSpan.MaxValue, s_tell, probe.Ref));

        fake.Advance(TimeSpan.FromSeconds(1));
        await probe.ExpectMsgAsync("fired", Patience);
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(0, report.CancelledTimers);
        Assert.Throws<LoopStoppedException>(() => loop.CallLater(TimeSpan.Zero, s_tell, probe.Ref));
    }

    [Fact]
    public async Task CallLater_WithState_OnTheLoop_AllocatesNothingInSteadyState()
    {
        const int timers = 10_000;
        var fake = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var state = new object();
        Action<object> noop = static _ => { };
        var tokens = new TimerToken[timers];
        long lastRound = -1;
        for (int round = 0; round < 3; round++)
        {
            // Set them (measured), cancel half, let the other half fire: the pool gets every cell back either way.
            long bytes = await WithinAsync(loop.RunAsync(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < timers; i++)
                {
                    tokens[i] = loop.CallLater(TimeSpan.FromMilliseconds(1 + (i * 7919 % 1000)), noop, state);
                }

                for (int i = 0; i < timers; i += 2)
                {
                    tokens[i].Cancel();
                }

                return Task.FromResult(GC.GetAllocatedBytesForCurrentThread() - before);
            }));
            fake.Advance(TimeSpan.FromSeconds(2));
            await AwaitAssertAsync(async () => Assert.Equal(0, (await loop.QueryPendingAsync()).PendingTimers), Patience, TimeSpan.FromMilliseconds(5));
            lastRound = bytes;
        }

        Assert.Equal(0, lastRound); // the whole last round of 10,000 timers, not a per-timer average
    }

    [Fact]
    [Trait("Category", "Stress")]
    public async Task Cancel_RacingTheFiring_EachTimerFiresXorIsCancelled()
    {
        const int rounds = 10, perRound = 1_000;
        var fake = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var fired = new int[perRound]; // loop thread only
        Action<int> mark = i => fired[i]++;
        for (int round = 0; round < rounds; round++)
        {
            Array.Clear(fired);
            var tokens = await WithinAsync(loop.RunAsync(() => Task.FromResult(
                Enumerable.Range(0, perRound).Select(i => loop.CallLater(TimeSpan.FromMilliseconds(1 + (i % 4)), mark, i)).ToArray())));
            var cancelled = new bool[perRound];
            using var startLine = new Barrier(2);
            var canceller = OnDedicatedThread(() =>
            {
                Assert.True(startLine.SignalAndWait(Patience), "the advancing thread never came");
                for (int i = perRound - 1; i >= 0; i--)
                {
                    cancelled[i] = tokens[i].Cancel();
                }
            });
            var advancer = OnDedicatedThread(() =>
            {
                Assert.True(startLine.SignalAndWait(Patience), "the cancelling thread never came");
                fake.Advance(TimeSpan.FromMilliseconds(5));
            });
            await WithinAsync(Task.WhenAll(canceller, advancer));
            await AwaitAssertAsync(async () => Assert.Equal(0, (await loop.QueryPendingAsync()).PendingTimers), Patience, TimeSpan.FromMilliseconds(5));
            int[] firedNow = await WithinAsync(loop.RunAsync(() => Task.FromResult(fired.ToArray())));
            for (int i = 0; i < perRound; i++)
            {
                Assert.True(firedNow[i] == (cancelled[i] ? 0 : 1), $"round {round}, timer {i}: fired {firedNow[i]} times, cancel returned {cancelled[i]}");
            }
        }
    }
}

/// <summary><see cref="TimerTokenTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerTokenTests_Dedicated(ITestOutputHelper output) : TimerTokenTests(output);

/// <summary><see cref="TimerTokenTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerTokenTests_Grouped(ITestOutputHelper output) : TimerTokenTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
