using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

/// <summary>
/// What a post allocates on the sending thread, measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/> after a
/// warm-up round (so the channel's segments and the pool of state boxes have already grown): reference-type state costs
/// nothing, and value-type state of any size travels in a pooled box.
/// </summary>
public abstract class PostAllocationTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const int Posts = 10_000;

    [Fact]
    public async Task PostOfTState_ReferenceAndSmallValueState_AllocatesNothingPerPost()
    {
        await using var loop = Spawn();
        var target = new object();
        Assert.Equal(0, await Measure(loop, () => loop.Post(static _ => { }, target)));
        Assert.Equal(0, await Measure(loop, () => loop.Post(static _ => { }, 42L)));
        Assert.Equal(0, await Measure(loop, () => loop.Post(static _ => { }, (1, 2))));
        Assert.Equal(0, await Measure(loop, () => loop.Post(static () => { })));
    }

    [Fact]
    public async Task PostOfTState_LargeAndReferenceHoldingStructs_AllocateNothingOnceTheirBoxesAreWarm()
    {
        // Value-type state travels in a box the loop gives back after the callback: the first rounds make the boxes,
        // the last reuses them, whatever the struct's size.
        await using var loop = Spawn();
        Assert.Equal(0, await Measure(loop, () => loop.Post(static _ => { }, (1L, 2L, 3L))));
        Assert.Equal(0, await Measure(loop, () => loop.Post(static _ => { }, (1, "text"))));
    }

    [Fact]
    public async Task PostOfTState_ValueState_ReachesTheCallbackIntact_AndABoxIsNeverShared()
    {
        // Boxes are reused: each callback must see its own state, in order, even while others are in flight.
        await using var loop = Spawn();
        var seen = new List<(int, string)>(); // loop-owned
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        for (int i = 0; i < 1_000; i++)
        {
            loop.Post(static s => s.Seen.Add((s.I, s.Text)), (Seen: seen, I: i, Text: $"#{i}"));
        }

        gate.Open();
        var result = await loop.RunAsync(() => Task.FromResult(seen.ToArray()));
        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => (i, $"#{i}")), result);
    }

    /// <summary>
    /// Bytes allocated per post on this thread in the last of three rounds. Each round posts into a held loop, so the
    /// first rounds grow the channel's ring to hold them all and the last reuses it: what is left is the post's own.
    /// </summary>
    private static async Task<long> Measure(LoopActor loop, Action post)
    {
        long allocated = 0;
        for (int round = 0; round < 3; round++)
        {
            using var gate = new Gate();
            loop.Post(gate.Hold);
            await gate.EnteredAsync();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Posts; i++)
            {
                post();
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            gate.Open();
            await loop.RunAsync(() => Task.CompletedTask);
        }

        return allocated / Posts;
    }
}

/// <summary><see cref="PostAllocationTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class PostAllocationTests_Dedicated(ITestOutputHelper output) : PostAllocationTests(output);

/// <summary><see cref="PostAllocationTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class PostAllocationTests_Grouped(ITestOutputHelper output) : PostAllocationTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
