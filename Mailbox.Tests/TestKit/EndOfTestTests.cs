using System.Runtime.CompilerServices;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mailbox.Tests.TestKit;

/// <summary>
/// The kit's end-of-test check and fault expectations, each shown failing on a wrong system under test: a kit driven by
/// hand (<see cref="KitUnderTest"/>) whose <see cref="LoopTestKit.DisposeAsync"/> — what xunit calls after a test — the
/// test calls itself.
/// </summary>
public abstract class EndOfTestTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task DisposeAsync_CallbackFaultNobodyExpected_FailsTheTestNamingTheException()
    {
        using var kit = NewKit();
        var loop = kit.Spawn(name: "careless");
        loop.Post(() => throw new FormatException("swallowed by the fault policy"));
        await kit.RunUntilIdleAsync();

        var failure = await Assert.ThrowsAsync<XunitException>(kit.DisposeAsync);

        Assert.Contains("1 fault(s)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("CallbackFaulted of loop 'careless'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("System.FormatException: swallowed by the fault policy", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_UnobservedCoroutineFault_FailsTheTest()
    {
        using var kit = NewKit();
        var loop = kit.Spawn(name: "dropper");
        await DropAFaultingCoroutineAsync(loop);
        var events = kit.EventsOf(loop);
        await AwaitAssertAsync(
            async () =>
            {
                GC.Collect(); // the fault is reported only when .NET collects the dropped task
                GC.WaitForPendingFinalizers();
                await events.ExpectEventAsync<UnobservedCoroutineFault>(duration: TimeSpan.FromMilliseconds(200));
            },
            Patience);

        var failure = await Assert.ThrowsAsync<XunitException>(kit.DisposeAsync);

        Assert.Contains("System.FormatException: dropped", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_FaultClaimedByExpectFaultAsync_Passes()
    {
        using var kit = NewKit();
        var loop = kit.Spawn();
        loop.Post(() => throw new FormatException("meant"));

        Assert.Equal("meant", (await kit.ExpectFaultAsync<FormatException>(loop)).Message);

        await kit.DisposeAsync();
        Assert.Equal(LoopState.Stopped, loop.State);
    }

    [Fact]
    public async Task DisposeAsync_ClassThatLetsFaultsPass_DoesNotFailOnThem()
    {
        using var kit = new KitUnderTest(Output!, Kind, faultsFail: false);
        var loop = kit.Spawn();
        loop.Post(() => throw new FormatException("counted elsewhere"));
        await kit.RunUntilIdleAsync();

        await kit.DisposeAsync();
        Assert.Equal(LoopState.Stopped, loop.State);
    }

    [Fact]
    public async Task AdvanceAsync_TimerFiringAtEveryMillisecondOverAnHour_FailsAtTheStepBound()
    {
        using var kit = NewKit();
        var loop = kit.Spawn();
        var handle = loop.CallEvery(TimeSpan.FromMilliseconds(1), () => { });

        var failure = await Assert.ThrowsAsync<XunitException>(() => kit.AdvanceAsync(TimeSpan.FromHours(1)));

        Assert.Contains("timers still firing after 10000 steps", failure.Message, StringComparison.Ordinal);
        Assert.Equal(kit.Clock.Start + TimeSpan.FromSeconds(10), kit.Clock.GetUtcNow()); // stepped, one due time at a time
        Assert.True(handle.Cancel());
        await kit.DisposeAsync();
    }

    [Fact]
    public async Task ExpectFaultAsync_NoSuchFault_FailsListingTheFaultsSeen()
    {
        using var kit = NewKit();
        var loop = kit.Spawn(name: "wrong one");
        var other = kit.Spawn(name: "other");
        loop.Post(() => throw new InvalidOperationException("not the expected type"));
        await kit.RunUntilIdleAsync();

        var failure = await Assert.ThrowsAsync<XunitException>(() => kit.ExpectFaultAsync<FormatException>(duration: TimeSpan.FromMilliseconds(50)));
        Assert.Contains("expected a fault with System.FormatException", failure.Message, StringComparison.Ordinal);
        Assert.Contains("not the expected type", failure.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<XunitException>(() => kit.ExpectFaultAsync<InvalidOperationException>(other, TimeSpan.FromMilliseconds(50)));

        await kit.ExpectFaultAsync<InvalidOperationException>(loop);
        await kit.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_LoopLeftWithALiveCoroutine_FailsWithItsPendingWorkAndStillStopsIt()
    {
        using var kit = NewKit();
        var loop = kit.Spawn(name: "forgetful");
        var never = new TaskCompletionSource();
        var forgotten = loop.RunAsync(() => never.Task); // a wrong system under test: work nobody waits for
        await kit.RunUntilIdleAsync();

        var failure = await Assert.ThrowsAsync<XunitException>(kit.DisposeAsync);

        Assert.Contains("loop 'forgetful' (Running) still had work when the test ended", failure.Message, StringComparison.Ordinal);
        Assert.Contains("LiveCoroutines = 1", failure.Message, StringComparison.Ordinal);
        Assert.Equal(LoopState.Stopped, loop.State); // the stop's timeout ran on the kit's clock, which the end moved
        await Assert.ThrowsAsync<LoopStoppedException>(() => forgotten);
    }

    [Fact]
    public async Task DisposeAsync_TimerNotYetDue_IsNotForgottenWorkAndTheStopCancelsIt()
    {
        using var kit = NewKit();
        var loop = kit.Spawn();
        var later = loop.CallLater(TimeSpan.FromHours(1), () => { });
        await kit.RunUntilIdleAsync();

        await kit.DisposeAsync();

        Assert.True(later.IsCancelled);
        Assert.Equal(1, (await loop.Completion).CancelledTimers);
    }

    [Fact]
    public async Task DisposeAsync_HeldLoop_IsReleasedAndStopped()
    {
        using var kit = NewKit();
        var loop = kit.Spawn();
        var gate = await kit.HoldAsync(loop);

        await kit.DisposeAsync();

        Assert.True(gate.IsOpen);
        Assert.Equal(LoopState.Stopped, loop.State);
    }

    [Fact]
    public async Task RunUntilIdleAsync_LoopThatFeedsItselfForever_FailsWithItsPendingWork()
    {
        using var kit = NewKit(settlePatience: TimeSpan.FromMilliseconds(300));
        var loop = kit.Spawn(name: "busy");
        void Again() => loop.TryPost(Again); // TryPost: the end's stop refuses it without a fault
        loop.Post(Again);

        var failure = await Assert.ThrowsAsync<XunitException>(kit.RunUntilIdleAsync);

        Assert.Contains("did not settle", failure.Message, StringComparison.Ordinal);
        Assert.Contains("loop 'busy' (Running): PendingWork { QueuedMessages = 1", failure.Message, StringComparison.Ordinal);
        var atTheEnd = await Assert.ThrowsAsync<XunitException>(kit.DisposeAsync); // still busy: forgotten work too
        Assert.Contains("still had work", atTheEnd.Message, StringComparison.Ordinal);
        Assert.Equal(LoopState.Stopped, loop.State);
    }

    [Fact]
    public async Task AdvanceAsync_HeldLoop_FailsSayingItDidNotAnswer()
    {
        using var kit = NewKit(settlePatience: TimeSpan.FromMilliseconds(300));
        var loop = kit.Spawn(name: "held");
        await kit.HoldAsync(loop);

        var failure = await Assert.ThrowsAsync<XunitException>(() => kit.AdvanceAsync(TimeSpan.FromSeconds(1)));

        Assert.Equal("AdvanceAsync(00:00:01): loop 'held' (Running) did not answer a query in time (is it held by a gate, or stuck in a callback?)", failure.Message);
        await kit.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_LoopsAndGroup_AreStoppedAndTheGroupsThreadsJoined()
    {
        using var kit = NewKit();
        var first = kit.Spawn();
        var second = kit.Spawn();
        await kit.RunUntilIdleAsync();

        await kit.DisposeAsync();

        Assert.Equal(LoopState.Stopped, first.State);
        Assert.Equal(LoopState.Stopped, second.State);
        if (Kind == LoopKind.Grouped)
        {
            Assert.Same(kit.Group, first.Group);
            Assert.True(kit.Group.Completion.IsCompletedSuccessfully);
        }
    }

    /// <summary>Starts a coroutine that throws and drops its task, then waits until it has ended (through the loop's next messages).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task DropAFaultingCoroutineAsync(LoopActor loop)
    {
        Drop(loop);
        await loop.RunAsync(async () => await LoopActor.Yield());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Drop(LoopActor loop) => _ = loop.RunAsync(async () =>
    {
        await LoopActor.Yield();
        throw new FormatException("dropped");
    });

    private KitUnderTest NewKit(TimeSpan? settlePatience = null) => new(Output!, Kind, settlePatience);
}

/// <summary><see cref="EndOfTestTests"/> on dedicated loops.</summary>
public sealed class EndOfTestTests_Dedicated(ITestOutputHelper output) : EndOfTestTests(output);

/// <summary><see cref="EndOfTestTests"/> on loops of the kit's group.</summary>
public sealed class EndOfTestTests_Grouped(ITestOutputHelper output) : EndOfTestTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
