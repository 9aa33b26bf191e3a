using System.Runtime.CompilerServices;
using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Reliability;

/// <summary>
/// <c>RunAsync</c> onto a bounded mailbox: a request registered before the gate (so an Immediate stop finds it) must
/// leave that registry when it is refused or its wait is cancelled, must watch its caller's token once the wait has
/// admitted it, and must never need the calling thread's own context to finish its wait.
/// </summary>
public abstract class BoundedSubmitTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task RunAsync_RefusedByAFullRejectMailbox_KeepsNothingOfTheCoroutine()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = 1, FullMode = MailboxFullMode.Reject });
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => { });

        var weak = await SubmitRefusedAsync<MailboxFullException>(loop, CancellationToken.None);
        await this.AssertCollectedAsync(weak, "a refused request is still registered as queued");
        gate.Open();
        var report = await WithinAsync(loop.StopAsync(StopMode.Immediate));
        Assert.Equal(2, report.Executed + report.Discarded);
        Assert.Equal(1, loop.RefusedMessages);
    }

    [Fact]
    public async Task RunAsync_RefusedByAStoppedLoop_KeepsNothingOfTheCoroutine()
    {
        var loop = Spawn();
        await WithinAsync(loop.StopAsync());
        var weak = await SubmitRefusedAsync<LoopStoppedException>(loop, CancellationToken.None);
        await this.AssertCollectedAsync(weak, "a request refused after the stop is still registered as queued");
        Assert.Equal(1, loop.RefusedMessages);
    }

    [Fact]
    public async Task RunAsync_WaitForRoomCancelled_KeepsNothingOfTheCoroutineAndLosesNothingElse()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = 1 });
        using var gate = new Gate();
        int ran = 0;
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => ran++);

        using var cts = new CancellationTokenSource();
        var weak = await SubmitCancelledWhileWaitingAsync(loop, cts);
        await this.AssertCollectedAsync(weak, "a request whose wait for room was cancelled is still registered as queued");
        gate.Open();
        var report = await WithinAsync(loop.StopAsync(StopMode.Immediate));
        Assert.Equal(2, report.Executed + report.Discarded); // the Hold and the post; the cancelled request was never accepted
        Assert.Equal(0, loop.RefusedMessages);
    }

    [Fact]
    public async Task RunAsync_CallerCancelsOnceTheWaitAdmittedIt_EndsAtOnceWhileTheLoopIsBusy()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = 1 });
        using var first = new Gate();
        using var second = new Gate();
        loop.Post(first.Hold);
        await first.EnteredAsync();
        loop.Post(second.Hold); // fills the mailbox
        using var cts = new CancellationTokenSource();
        bool started = false; // written only by the coroutine, which must never start
        var coroutine = loop.RunAsync(() => { started = true; return Task.CompletedTask; }, cts.Token);
        Assert.False(coroutine.IsCompleted);

        // The loop takes the second Hold: the freed place admits the request, which now waits behind a busy loop.
        first.Open();
        await second.EnteredAsync();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(coroutine));
        second.Open();
        var report = await WithinAsync(loop.StopAsync());
        Assert.False(started);
        Assert.Equal(3, report.Executed); // the two Holds, and the request the loop found cancelled
        Assert.Equal(0, report.Discarded);
    }

    [Fact]
    public async Task RunUntilComplete_FromAnotherLoopOntoAFullMailbox_WaitsForRoomWithoutItsCallersThread()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = 1 });
        await using var caller = LoopActor.Spawn("caller"); // dedicated in both kinds: a grouped sibling would be refused by the guard
        var probe = CreateTestProbe();
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => { });

        var callerThread = await WithinAsync(caller.RunAsync(() => Task.FromResult(Thread.CurrentThread)));
        var call = caller.RunAsync(() =>
        {
            probe.Tell("calling");
            return Task.FromResult(loop.RunUntilComplete(() => Task.FromResult(LoopActor.Current == loop)));
        });
        await probe.ExpectMsgAsync("calling", Patience);

        // The caller's thread now blocks in the wait for room. Were the wait, or the wait for the result, to continue
        // on the caller's own context, that context's thread would be the blocked one, and neither could ever finish.
        await AwaitAssertAsync(() => Assert.True((callerThread.ThreadState & ThreadState.WaitSleepJoin) != 0, "the caller is not blocked yet"), Patience);
        gate.Open();
        Assert.True(await WithinAsync(call));
        Assert.Equal(0, (await WithinAsync(caller.StopAsync())).Discarded);
        Assert.Equal(3, (await WithinAsync(loop.StopAsync())).Executed);
    }

    /// <summary>Submits a coroutine that holds a payload, expects the refusal, and returns a weak reference to the payload only.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> SubmitRefusedAsync<TRefusal>(LoopActor loop, CancellationToken token)
        where TRefusal : Exception
    {
        var payload = new object();
        await Assert.ThrowsAsync<TRefusal>(() => loop.RunAsync(() => Task.FromResult(payload), token));
        return new WeakReference(payload);
    }

    /// <summary>Submits a coroutine that holds a payload onto a full mailbox, cancels its wait, and returns a weak reference to the payload.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> SubmitCancelledWhileWaitingAsync(LoopActor loop, CancellationTokenSource cts)
    {
        var payload = new object();
        var waiting = loop.RunAsync(() => Task.FromResult(payload), cts.Token);
        Assert.False(waiting.IsCompleted, "the request should wait for room");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        return new WeakReference(payload);
    }

}

/// <summary><see cref="BoundedSubmitTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class BoundedSubmitTests_Dedicated(ITestOutputHelper output) : BoundedSubmitTests(output);

/// <summary><see cref="BoundedSubmitTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class BoundedSubmitTests_Grouped(ITestOutputHelper output) : BoundedSubmitTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
