using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mailbox.Tests.TestKit;

/// <summary>
/// The edges of the kit's virtual time: a due time exactly at a bound, the step bounds counted exactly, the earliest
/// of several loops' timers, work posted by a timer that is not a loop's, waits refused on a loop's own thread, and
/// what a settling that gives up says about the loops.
/// </summary>
public sealed class SettlingEdgeTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task AdvanceAsync_OneMoreDueTimeThanTheStepBoundUpToExactlyTheTarget_FailsAtTheBound()
    {
        var loop = Spawn(name: "ticking");
        var start = Clock.GetUtcNow();
        var handle = loop.CallEvery(TimeSpan.FromMilliseconds(1), () => { });

        // Due times at 1 ms .. 10 001 ms: the last is exactly the target, so it is a step of its own, the 10 001st.
        var failure = await Assert.ThrowsAsync<XunitException>(() => AdvanceAsync(TimeSpan.FromMilliseconds(10_001)));

        Assert.StartsWith(
            $"AdvanceAsync(00:00:10.0010000): timers still firing after 10000 steps, at {start + TimeSpan.FromSeconds(10):O}; loop 'ticking' (Running): PendingWork {{",
            failure.Message,
            StringComparison.Ordinal);
        Assert.True(handle.Cancel());
    }

    [Fact]
    public async Task AdvanceUntilNoTimersAsync_RepeatingTimerUnderALongLimit_FailsAtTheStepBoundFirst()
    {
        var loop = Spawn();
        var handle = loop.CallEvery(TimeSpan.FromMilliseconds(1), () => { });

        // 20 000 due times fit in the limit; the step bound stops it at 10 000, ten seconds in.
        var failure = await Assert.ThrowsAsync<XunitException>(() => AdvanceUntilNoTimersAsync(TimeSpan.FromSeconds(20)));

        Assert.StartsWith(
            "AdvanceUntilNoTimersAsync(00:00:20): a timer is still pending after 00:00:10 of virtual time (next due at +00:00:10.0010000); ",
            failure.Message,
            StringComparison.Ordinal);
        Assert.True(handle.Cancel());
    }

    [Fact]
    public async Task AdvanceAsync_TimersOnSeveralLoops_EachFiresAtItsOwnDueTime()
    {
        var start = Clock.GetUtcNow();
        var fired = new DateTimeOffset?[3];
        TimeSpan[] dues = [2 * OneMinute, OneMinute, 3 * OneMinute]; // not in spawn order: the earliest is not the first asked
        for (int i = 0; i < dues.Length; i++)
        {
            int which = i;
            Spawn(name: $"loop {i}").CallLater(dues[i], () => fired[which] = Clock.GetUtcNow());
        }

        await AdvanceAsync(3 * OneMinute);

        Assert.Equal(dues.Select(d => (DateTimeOffset?)(start + d)), fired);
    }

    [Fact]
    public async Task AdvanceAsync_TimerOfTheTestsOwnOnTheClock_WorkItPostsHasAllRunWhenItReturns()
    {
        var loop = Spawn();
        int hops = 0;
        void Hop()
        {
            if (++hops < 1_000)
            {
                loop.Post(Hop);
            }
        }

        // Not a loop timer: the kit sees it only as the work it posts once the clock reaches the target.
        using var timer = Clock.CreateTimer(_ => loop.Post(Hop), null, OneMinute, Timeout.InfiniteTimeSpan);

        await AdvanceAsync(OneMinute);

        Assert.Equal(1_000, Volatile.Read(ref hops));
    }

    [Fact]
    public async Task RunUntilIdleAsync_FromALoopsThread_ThrowsInvalidOperation()
    {
        var loop = Spawn(name: "self");

        var error = await loop.RunAsync(() => Assert.ThrowsAsync<InvalidOperationException>(RunUntilIdleAsync));

        Assert.StartsWith("RunUntilIdleAsync was called from the thread of loop 'self'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdvanceUntilNoTimersAsync_FromALoopsThread_ThrowsInvalidOperationAndLeavesTheClock()
    {
        var loop = Spawn(name: "self");
        var start = Clock.GetUtcNow();
        loop.CallLater(OneMinute, () => { });

        var error = await loop.RunAsync(() => Assert.ThrowsAsync<InvalidOperationException>(() => AdvanceUntilNoTimersAsync(TimeSpan.FromHours(1))));

        Assert.StartsWith("AdvanceUntilNoTimersAsync was called from the thread of loop 'self'", error.Message, StringComparison.Ordinal);
        Assert.Equal(start, Clock.GetUtcNow());
        await AdvanceUntilNoTimersAsync(OneMinute);
    }

    [Fact]
    public async Task RunUntilIdleAsync_PatienceSpentWithTwoLoops_FailsListingEachLoopsAnswer()
    {
        // A patience spent before it starts: a settling needs two passes, so it gives up after the first.
        using var kit = new KitUnderTest(Output!, settlePatience: TimeSpan.FromTicks(-1));
        kit.Spawn(name: "first");
        kit.Spawn(name: "second");

        var failure = await Assert.ThrowsAsync<XunitException>(kit.RunUntilIdleAsync);

        const string Idle = "PendingWork { QueuedMessages = 0, ReadySteps = 0, LiveCoroutines = 0, PendingTimers = 0, NextTimerDue =  }";
        Assert.Equal(
            $"RunUntilIdleAsync: the loops under test did not settle (1 rounds, -00:00:00.0000001); loop 'first' (Running): {Idle}; loop 'second' (Running): {Idle}",
            failure.Message);
        await kit.DisposeAsync();
    }

    [Fact]
    public async Task RunUntilIdleAsync_PatienceSpentAndNoLoopRunning_SaysSo()
    {
        using var kit = new KitUnderTest(Output!, settlePatience: TimeSpan.FromTicks(-1));
        await kit.Spawn().StopAsync();

        var failure = await Assert.ThrowsAsync<XunitException>(kit.RunUntilIdleAsync);

        Assert.Equal("RunUntilIdleAsync: the loops under test did not settle (1 rounds, -00:00:00.0000001); no loop under test is running", failure.Message);
        await kit.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_TimerDueExactlyNowByTheKitsReadingThatTheLoopHasNotRun_IsForgottenWork()
    {
        using var kit = new KitUnderTest(Output!);
        var clock = new SplitClock(Clock.GetUtcNow(), behindOnLoops: OneMinute);
        var loop = kit.Spawn(new LoopOptions { TimeProvider = clock }, "late");

        // Due in a minute by the loop's reading, which is a minute behind: due to the tick by the kit's, never by the
        // loop's own, so the loop keeps it for the end to find (no settling first: it would wait for it to fire).
        await loop.RunAsync(() =>
        {
            loop.CallLater(OneMinute, () => { });
            return Task.CompletedTask;
        });
        var failure = await Assert.ThrowsAsync<XunitException>(kit.DisposeAsync);

        Assert.Contains("loop 'late' (Running) still had work when the test ended", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"PendingTimers = 1, NextTimerDue = {clock.GetUtcNow()}", failure.Message, StringComparison.Ordinal);
        Assert.Equal(LoopState.Stopped, loop.State);
    }

    /// <summary>
    /// A clock that stands still, read <c>behindOnLoops</c> earlier by loop code than by anyone else, whose timers never
    /// call back: a due time that the kit reads as now and the loop as still to come.
    /// </summary>
    private sealed class SplitClock(DateTimeOffset now, TimeSpan behindOnLoops) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => LoopActor.Current is null ? now : now - behindOnLoops;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new SilentTimer();

        private sealed class SilentTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
