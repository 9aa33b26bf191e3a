using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>
/// The group's stop with a timeout. A loop stuck in a callback completes its stop at its timeout but not its
/// Completion, and the group's threads wait for it: the group's stop then completes at the timeout with what is known —
/// the finished loops' sums plus each stuck loop's own timed-out report — and the group's Completion comes later, with
/// the final sums. When every loop did finish, the stop completes only after the threads have exited.
/// </summary>
/// <remarks>
/// Every timeout runs on a <see cref="FakeTimeProvider"/> per loop set, so the test says when it passes. A stuck loop
/// must be alone on its thread: a sibling queued behind it is not running, so its own timeout cannot complete its stop,
/// and the group's stop would wait for the gate.
/// </remarks>
public sealed class GroupStopTimeoutTests(ITestOutputHelper output) : GroupTestKit(output)
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task StopAsync_TimeoutWhileLoopsAreStuck_CompletesAtTheTimeoutWithTheFinishedSumsPlusEachStuckLoopsReport()
    {
        var clock = new FakeTimeProvider();
        var options = new LoopOptions { TimeProvider = clock };
        await using var group = CreateGroup(threads: 2);
        using var gateA = new Gate();
        using var gateB = new Gate();
        var never = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var probe = CreateTestProbe();
        var finished = new List<LoopActor>();

        // a alone on one thread; b and d on the other; loops placed on a's thread meanwhile are stopped now and only
        // count in the group's sums (at least one, with a message of its own).
        var a = group.Spawn("stuck before the stop", options);
        int threadA = await ThreadOfAsync(a);
        var b = await SpawnWhereAsync(group, t => t != threadA, finished, options with { Observer = new ProbeObserver(probe, e => e is LoopStopping) });
        var c = await SpawnWhereAsync(group, t => t == threadA, finished, options);
        c.Post(() => { });
        Assert.Equal(2, (await WithinAsync(c.StopAsync())).Executed); // its thread query and its post
        finished.Add(c);
        var d = await SpawnWhereAsync(group, t => t != threadA, finished, options);
        d.Post(() => { });

        // a: a live coroutine, one message run, then stuck in a callback with two more queued behind it.
        var coroutineA = a.RunAsync(async () => { probe.Tell("a started"); await never.Task; });
        await probe.ExpectMsgAsync("a started", Patience);
        a.Post(() => { });
        a.Post(gateA.Hold);
        await gateA.EnteredAsync();
        a.Post(() => { });
        a.Post(() => { });

        // b: a timer its stop cancels, then a coroutine that gets stuck after the stop began.
        b.CallLater(TimeSpan.FromHours(1), () => { });
        var coroutineB = b.RunAsync(async () => { probe.Tell("b started"); await release.Task; gateB.Hold(); await never.Task; });
        await probe.ExpectMsgAsync("b started", Patience);

        var stop = group.StopAsync(StopMode.Drain, StopTimeout);
        await probe.ExpectMsgAsync<LoopStopping>(Patience); // b's, the only loop the probe observes
        await WithinAsync(d.Completion); // d, on b's thread, drained and finished
        release.SetResult();
        await gateB.EnteredAsync();
        Assert.False(stop.IsCompleted);
        clock.Advance(StopTimeout);
        var report = await WithinAsync(stop);

        var stuckA = await WithinAsync(a.StopAsync()); // the stop task a's timeout completed
        var stuckB = await WithinAsync(b.StopAsync());
        Assert.False(a.Completion.IsCompleted);
        Assert.False(b.Completion.IsCompleted);
        Assert.False(group.Completion.IsCompleted);
        Assert.True(stuckA.TimedOut);
        Assert.True(stuckB.TimedOut);
        Assert.InRange(stuckA.Executed, 3, 4); // thread query, RunAsync, post; the stuck one may count already
        Assert.InRange(stuckA.Discarded, 2, 3); // the two queued behind the gate (and the gate, if not counted yet)
        Assert.Equal(1, stuckA.CancelledCoroutines);
        Assert.Equal(1, stuckB.CancelledCoroutines);
        Assert.Equal(1, stuckB.CancelledTimers);

        finished.Add(d);
        var done = finished.Select(l => l.Completion.Result).ToArray();
        StopReport[] stuck = [stuckA, stuckB];
        Assert.Equal(finished.Count + 2, report.Loops);
        Assert.Equal(done.Sum(r => r.Executed) + stuck.Sum(r => r.Executed), report.Executed);
        Assert.Equal(done.Sum(r => r.Discarded) + stuck.Sum(r => r.Discarded), report.Discarded);
        Assert.Equal(done.Sum(r => r.CancelledCoroutines) + stuck.Sum(r => r.CancelledCoroutines), report.CancelledCoroutines);
        Assert.Equal(done.Sum(r => r.CancelledTimers) + stuck.Sum(r => r.CancelledTimers), report.CancelledTimers);
        Assert.True(report.TimedOut);
        LoopActor[] all = [.. finished, a, b];
        Assert.Equal(all.Sum(l => l.AcceptedMessages), report.Executed + report.Discarded); // every accepted message, once

        gateA.Open();
        gateB.Open();
        var final = await WithinAsync(group.Completion);
        Assert.Equal(report.Loops, final.Loops);
        Assert.Equal(all.Sum(l => l.Completion.Result.Executed), final.Executed);
        Assert.Equal(all.Sum(l => l.Completion.Result.Discarded), final.Discarded);
        Assert.Equal(all.Sum(l => l.AcceptedMessages), final.Executed + final.Discarded);
        Assert.True(final.TimedOut);
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(coroutineA));
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(coroutineB));
        never.SetResult();
    }

    [Fact]
    public async Task StopAsync_ALoopTimedOutButFinished_CompletesOnlyAfterTheGroupsThreadsHaveExited()
    {
        var timed = new FakeTimeProvider();
        var untimed = new FakeTimeProvider(); // never advanced: the held loop's stop does not time out
        await using var group = CreateGroup(threads: 1);
        using var gate = new Gate();
        var never = new TaskCompletionSource();
        var probe = CreateTestProbe();
        var late = group.Spawn("times out", new LoopOptions { TimeProvider = timed });
        var coroutine = late.RunAsync(async () => { probe.Tell("started"); await never.Task; });
        await probe.ExpectMsgAsync("started", Patience);

        // The sibling ends its drain only once the late loop has finished, so when the group's stop sees every loop's
        // stop complete, the late loop is finished too: its report says TimedOut, yet nothing is stuck.
        var held = group.Spawn("held", new LoopOptions { TimeProvider = untimed });
        var waits = held.RunAsync(async () => await late.Completion);
        held.Post(gate.Hold);
        await gate.EnteredAsync();
        var stop = group.StopAsync(StopMode.Drain, StopTimeout);

        // The late loop's timeout passes while the thread runs its sibling: it cannot be stuck, it only has not run.
        timed.Advance(StopTimeout);
        gate.Open();
        var report = await WithinAsync(stop);

        Assert.True(group.Completion.IsCompleted, "the group's stop completed before its threads had exited");
        Assert.Equal(report, await WithinAsync(group.Completion));
        Assert.True(report.TimedOut);
        Assert.True((await WithinAsync(late.Completion)).TimedOut);
        Assert.False((await WithinAsync(held.Completion)).TimedOut);
        Assert.Equal(1, report.CancelledCoroutines); // the late loop's coroutine, abandoned at its timeout
        Assert.Equal(late.AcceptedMessages + held.AcceptedMessages, report.Executed + report.Discarded);
        await WithinAsync(waits);
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(coroutine));
        never.SetResult();
    }

    [Fact]
    public async Task StopAsync_ALoopsTimeoutPassesWhileItsThreadRunsASibling_ItsStopCompletesOnlyOnceItHasRun()
    {
        var clock = new FakeTimeProvider();
        await using var group = CreateGroup(threads: 1);
        using var gate = new Gate();
        var probe = CreateTestProbe();
        var waiting = group.Spawn("waiting", new LoopOptions { TimeProvider = clock });
        var busy = group.Spawn("busy");
        busy.Post(gate.Hold);
        await gate.EnteredAsync();
        waiting.Post(static () => { });
        var stop = waiting.StopAsync(StopMode.Drain, StopTimeout);
        _ = stop.ContinueWith(_ => probe.Tell("stopped"), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

        // The thread is busy, but with the sibling: the waiting loop is not stuck, it only has not run, so its stop
        // must not complete at the timeout with a report guessed from the sibling's turn.
        clock.Advance(StopTimeout);
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.False(stop.IsCompleted);

        gate.Open();
        var report = await WithinAsync(stop);
        await probe.ExpectMsgAsync("stopped", Patience);
        Assert.True(report.TimedOut); // the timeout's message reached it with the stop's, in one batch
        Assert.Equal(waiting.AcceptedMessages, report.Executed + report.Discarded);
        Assert.Equal(report, await WithinAsync(waiting.Completion));
        Assert.False((await WithinAsync(busy.StopAsync())).TimedOut);
    }

    /// <summary>Spawns into <paramref name="group"/> until a loop lands on a thread <paramref name="where"/> accepts; the others are stopped and join <paramref name="finished"/>.</summary>
    private static async Task<LoopActor> SpawnWhereAsync(LoopGroup group, Func<int, bool> where, List<LoopActor> finished, LoopOptions options)
    {
        for (int i = 0; i < 64; i++)
        {
            var loop = group.Spawn($"placed {i}", options);
            if (where(await ThreadOfAsync(loop)))
            {
                return loop;
            }

            await WithinAsync(loop.StopAsync());
            finished.Add(loop);
        }

        throw new InvalidOperationException($"64 spawns and none on the thread wanted, in a group of {group.ThreadCount}");
    }
}
