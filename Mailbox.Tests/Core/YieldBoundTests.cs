using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

/// <summary>
/// Where a yielded step falls among the data messages when something interrupts the run of the messages before it.
/// </summary>
/// <remarks>
/// Each test makes the coroutine a ready step first (its first <c>Yield</c>), so that the turn that reads the posts
/// starts with a step waiting and takes the Yield's bound (every message accepted so far) with its first message. A
/// step held on a gate lets the test queue p1–p3 before the second <c>Yield</c>; a message held on a gate lets it send
/// a control message (a query) or a later post at a fixed point of the run. `DESIGN.md`: <c>Yield</c> goes "to the back
/// of the loop's queue" — after what was queued before it, ahead of what was queued after.
/// </remarks>
public abstract class YieldBoundTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Yield_AControlMessageArrivesBeforeTheBoundIsReached_TheStepStillWaitsForEveryEarlierMessage()
    {
        // The query ends the turn after p1 (control first); the step must not run at that turn's end, with p2 and p3 left.
        await using var loop = Spawn();
        using var inStep = new Gate();
        using var inFirst = new Gate();
        var order = new List<string>(); // loop-owned
        var coroutine = StartYieldingTwice(loop, inStep, order);
        await inStep.EnteredAsync();
        loop.Post(() => { order.Add("p1"); inFirst.Hold(); });
        loop.Post(() => order.Add("p2"));
        loop.Post(() => order.Add("p3"));
        inStep.Open();
        await inFirst.EnteredAsync();
        var query = loop.QueryPendingAsync();
        inFirst.Open();

        var pending = await WithinAsync(query);
        Assert.Equal(["p1", "p2", "p3", "step"], await WithinAsync(coroutine));
        Assert.Equal((2, 1, 1), (pending.QueuedMessages, pending.ReadySteps, pending.LiveCoroutines));
    }

    [Fact]
    public async Task Yield_AControlMessageArrivesWhileTheLastEarlierMessageRuns_TheStepRunsBeforeTheTurnEnds()
    {
        // p3 is the last message the step waits for: with its bound reached, the step runs in the same turn, and the
        // query (taken at the next turn's start) finds the coroutine finished. Not waiting one more trip through the
        // thread after its bound is reached is what keeps a Yield's cost one step.
        await using var loop = Spawn();
        using var inStep = new Gate();
        using var inLast = new Gate();
        var order = new List<string>(); // loop-owned
        var coroutine = StartYieldingTwice(loop, inStep, order);
        await inStep.EnteredAsync();
        loop.Post(() => order.Add("p1"));
        loop.Post(() => order.Add("p2"));
        loop.Post(() => { order.Add("p3"); inLast.Hold(); });
        inStep.Open();
        await inLast.EnteredAsync();
        var query = loop.QueryPendingAsync();
        inLast.Open();

        var pending = await WithinAsync(query);
        Assert.Equal(["p1", "p2", "p3", "step"], await WithinAsync(coroutine));
        Assert.Equal((0, 0, 0), (pending.QueuedMessages, pending.ReadySteps, pending.LiveCoroutines));
    }

    [Fact]
    public async Task Yield_APostAcceptedAfterTheBoundWasTaken_RunsAfterTheStep()
    {
        // p4 is accepted while p1 runs, after the turn took the step's bound: the back of the queue is behind p3, ahead
        // of p4. A step that waited for every message in the channel instead would wait for ever behind a steady stream.
        await using var loop = Spawn();
        using var inStep = new Gate();
        using var inFirst = new Gate();
        var order = new List<string>(); // loop-owned
        var coroutine = StartYieldingTwice(loop, inStep, order);
        await inStep.EnteredAsync();
        loop.Post(() => { order.Add("p1"); inFirst.Hold(); });
        loop.Post(() => order.Add("p2"));
        loop.Post(() => order.Add("p3"));
        inStep.Open();
        await inFirst.EnteredAsync();
        loop.Post(() => order.Add("p4"));
        inFirst.Open();

        var seen = await WithinAsync(coroutine);
        Assert.Equal(["p1", "p2", "p3", "step"], seen);
        Assert.Equal(["p1", "p2", "p3", "step", "p4"], await WithinAsync(loop.RunAsync(() => Task.FromResult(order.ToArray()))));
    }

    /// <summary>
    /// A coroutine that becomes a ready step, holds the loop on <paramref name="inStep"/> as that step, then yields again
    /// and writes "step"; its task returns a copy of <paramref name="order"/> as it stood then.
    /// </summary>
    private static Task<string[]> StartYieldingTwice(LoopActor loop, Gate inStep, List<string> order) => loop.RunAsync(async () =>
    {
        await LoopActor.Yield();
        inStep.Hold();
        await LoopActor.Yield();
        order.Add("step");
        return order.ToArray();
    });
}

/// <summary><see cref="YieldBoundTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class YieldBoundTests_Dedicated(ITestOutputHelper output) : YieldBoundTests(output);

/// <summary><see cref="YieldBoundTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class YieldBoundTests_Grouped(ITestOutputHelper output) : YieldBoundTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
