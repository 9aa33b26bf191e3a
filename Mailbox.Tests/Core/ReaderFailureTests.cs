using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

/// <summary>
/// A failure of the loop's own code inside a turn (here: its logger throws) ends that loop at once, as an Immediate stop,
/// and loses nothing silently: its live coroutines are abandoned and counted (the control lane's side is
/// <see cref="ReaderFailureFirstTurnTests"/>).
/// </summary>
public abstract class ReaderFailureTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task StopAsync_LoggingTheStopThrows_EndsTheLoopImmediateAndAbandonsItsLiveCoroutine()
    {
        var logging = new ThrowingLoggerFactory(ThrowingLoggerFactory.StoppingEvent);
        await using var loop = Spawn(new LoopOptions { LoggerFactory = logging });
        var probe = CreateTestProbe();
        var never = new TaskCompletionSource();
        var coroutine = loop.RunAsync(async () =>
        {
            probe.Tell("started");
            await never.Task;
        });
        await probe.ExpectMsgAsync("started", Patience);

        var report = await WithinAsync(loop.StopAsync(StopMode.Drain));

        Assert.Equal(StopMode.Immediate, report.Mode); // the failure turned the drain into an immediate stop
        Assert.Equal(1, report.CancelledCoroutines);
        Assert.False(report.TimedOut);
        Assert.Equal(1, report.Executed);
        Assert.Equal(LoopState.Stopped, loop.State);
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(coroutine));
        never.SetResult();

        // The failure is logged, critical, with the exception that ended the loop (the logger's own).
        var failed = Assert.Single(logging.Logged, e => e.Id == ThrowingLoggerFactory.ReaderFailedEvent);
        Assert.Contains("the logger failed at event 2", Assert.IsType<InvalidOperationException>(failed.Exception).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_LoggingTheStoppedEventThrows_TheStopCompletesAndTheThreadServesOn()
    {
        // The last thing a loop does is log that it stopped, after its report is made: a logger failing there must not
        // take the loop's thread (and the process) with it, nor leave the stop's task waiting forever.
        var logging = new ThrowingLoggerFactory(ThrowingLoggerFactory.StoppedEvent);
        var loop = Spawn(new LoopOptions { LoggerFactory = logging });
        loop.Post(static () => { });

        var report = await WithinAsync(loop.StopAsync(StopMode.Drain));
        Assert.Equal(new StopReport(StopMode.Drain, 1, 0, 0, 0, false), report);
        Assert.Equal(report, await WithinAsync(loop.Completion));
        Assert.Equal(LoopState.Stopped, loop.State);

        var failed = Assert.Single(logging.Logged, e => e.Id == ThrowingLoggerFactory.ReaderFailedEvent);
        Assert.Contains("the logger failed at event 3", Assert.IsType<InvalidOperationException>(failed.Exception).Message, StringComparison.Ordinal);

        // The thread a group shares is still there for the next loop (a dedicated one has ended with its loop).
        var next = Spawn();
        Assert.Equal(1, await WithinAsync(next.RunAsync(() => Task.FromResult(1))));
    }

    [Fact]
    public async Task AnyWork_TheLoggerThrowsAtEveryEvent_TheLoopEndsImmediateAndTheThreadServesOn()
    {
        // The first turn's Started log throws, and so does the log of that failure: the loop has no one left to tell,
        // and must still end as an Immediate stop that accounts for what it accepted.
        var logging = new ThrowingLoggerFactory(ThrowingLoggerFactory.EveryEvent);
        var loop = Spawn(new LoopOptions { LoggerFactory = logging });
        bool posted = loop.TryPost(static () => { }); // refused if the first turn (which fails) has already begun

        var report = await WithinAsync(loop.Completion);

        Assert.Equal(StopMode.Immediate, report.Mode);
        Assert.Equal(loop.AcceptedMessages, report.Executed + report.Discarded);
        Assert.Equal(posted ? 1 : 0, loop.AcceptedMessages);
        Assert.Equal(LoopState.Stopped, loop.State);
        Assert.False(loop.TryPost(static () => { }));
        Assert.Empty(logging.Logged);
        var next = Spawn();
        Assert.Equal(1, await WithinAsync(next.RunAsync(() => Task.FromResult(1))));
    }

    [Fact]
    public async Task MailboxFullNotice_LoggingItThrows_RefusesTheQueryThatWaitedBehindIt()
    {
        // A mailbox-full notice and a query wait on the control lane while a callback holds the loop; the loop takes
        // them as one batch, and handling the notice throws (its log), which ends the loop. The query was taken and
        // never handled: it must end refused, not wait forever.
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = 1, LoggerFactory = new ThrowingLoggerFactory(ThrowingLoggerFactory.MailboxFullEvent) });
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        Assert.True(loop.TryPost(static () => { }));
        Assert.False(loop.TryPost(static () => { })); // full: the notice goes to the control lane
        var query = loop.QueryPendingAsync();
        gate.Open();

        var report = await WithinAsync(loop.Completion);

        var refused = await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(query));
        Assert.Contains("the query was refused", refused.Message, StringComparison.Ordinal);
        Assert.Equal(StopMode.Immediate, report.Mode);
        Assert.Equal(2, report.Executed + report.Discarded);
    }

    [Fact]
    public async Task UnobservedFault_WaitingBehindAStopWhoseLogThrows_IsStillLoggedAtTheLoopsEnd()
    {
        // A coroutine fault reported from the finalizer waits on the control lane behind the stop; handling the stop
        // throws (its log), which ends the loop with the fault's message taken and unhandled. The loop's end must
        // still log it.
        var logging = new ThrowingLoggerFactory(ThrowingLoggerFactory.StoppingEvent);
        await using var loop = Spawn(new LoopOptions { LoggerFactory = logging });
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        var stop = loop.StopAsync(StopMode.Drain);
        var fault = new InvalidOperationException("nobody awaited this coroutine");
        loop.ReportUnobservedCoroutineFault("Lost", fault);
        gate.Open();

        await WithinAsync(stop);

        Assert.Same(fault, Assert.Single(logging.Logged, e => e.Id == ThrowingLoggerFactory.UnobservedFaultEvent).Exception);
        Assert.Same(fault, await ExpectFaultAsync<InvalidOperationException>(loop)); // and published to the observer
    }

    [Fact]
    public async Task UnobservedFaults_LoggingThemThrows_TheFirstEndsTheLoopAndTheSecondsFailureIsLoggedAtTheEnd()
    {
        // Two faults on the control lane; logging the first throws inside the turn and ends the loop (a reader
        // failure, logged). The second is handled by the loop's end, where its log throws too: that failure must be
        // logged as well, and must not escape the thread.
        var logging = new ThrowingLoggerFactory(ThrowingLoggerFactory.UnobservedFaultEvent);
        await using var loop = Spawn(new LoopOptions { LoggerFactory = logging });
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.ReportUnobservedCoroutineFault("First", new InvalidOperationException("first"));
        loop.ReportUnobservedCoroutineFault("Second", new InvalidOperationException("second"));
        gate.Open();

        var report = await WithinAsync(loop.Completion);

        Assert.Equal(StopMode.Immediate, report.Mode);
        Assert.Equal(2, logging.Thrown);
        var failures = logging.Logged.Where(e => e.Id == ThrowingLoggerFactory.ReaderFailedEvent).ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Contains("the logger failed at event 14", f.Exception!.Message, StringComparison.Ordinal));
        var published = new[] { await ExpectFaultAsync<InvalidOperationException>(loop), await ExpectFaultAsync<InvalidOperationException>(loop) };
        Assert.Equal(["first", "second"], published.Select(e => e.Message).Order());
    }
}

/// <summary><see cref="ReaderFailureTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class ReaderFailureTests_Dedicated(ITestOutputHelper output) : ReaderFailureTests(output);

/// <summary><see cref="ReaderFailureTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class ReaderFailureTests_Grouped(ITestOutputHelper output) : ReaderFailureTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
