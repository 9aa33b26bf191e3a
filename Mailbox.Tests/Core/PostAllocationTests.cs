using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

/// <summary>
/// What a post allocates on the sending thread, measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/> after a
/// warm-up round (so the channel's segments have already grown): reference-type and small unmanaged value-type state
/// cost nothing; a large or reference-holding struct is boxed with its callback, once per post.
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
    public async Task PostOfTState_LargeStruct_AllocatesOneBoxPerPost()
    {
        await using var loop = Spawn();
        long perPost = await Measure(loop, () => loop.Post(static _ => { }, (1L, 2L, 3L)));
        Output?.WriteLine($"a 24-byte struct costs {perPost} B per post");
        Assert.InRange(perPost, 24, 64);
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
