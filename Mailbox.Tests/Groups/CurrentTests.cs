using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>
/// For a grouped loop, <see cref="LoopActor.Current"/> and <see cref="LoopActor.IsOnLoopThread"/> mean "this loop's
/// work is running on the calling thread now", not "the calling thread belongs to the group".
/// </summary>
public sealed class CurrentTests(ITestOutputHelper output) : GroupTestKit(output)
{
    [Fact]
    public async Task Current_InAGroupedLoopsWork_IsThatLoopAndNotItsSibling()
    {
        await using var group = CreateGroup(threads: 1);
        var a = group.Spawn("a");
        var b = group.Spawn("b");
        var inA = await WithinAsync(a.RunAsync(() => Task.FromResult((Current: LoopActor.Current, OnA: a.IsOnLoopThread, OnB: b.IsOnLoopThread))));
        var inB = await WithinAsync(b.RunAsync(async () =>
        {
            await LoopActor.Yield();
            return (Current: LoopActor.Current, OnA: a.IsOnLoopThread, OnB: b.IsOnLoopThread);
        }));

        Assert.Same(a, inA.Current);
        Assert.True(inA.OnA);
        Assert.False(inA.OnB);
        Assert.Same(b, inB.Current);
        Assert.False(inB.OnA);
        Assert.True(inB.OnB);
        Assert.Null(LoopActor.Current);
        Assert.False(a.IsOnLoopThread);
    }

    [Fact]
    public async Task Post_FromASiblingsCallbackOnTheSameThread_RunsLaterAsTheTargetNotInline()
    {
        await using var group = CreateGroup(threads: 1);
        var a = group.Spawn("a");
        var b = group.Spawn("b");
        var seen = new List<string>(); // touched only by the group's one thread
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Post(() =>
        {
            b.Post(() => seen.Add(LoopActor.Current == b ? "posted ran as b" : "posted ran as something else"));
            b.CallLater(TimeSpan.Zero, () =>
            {
                seen.Add(LoopActor.Current == b ? "timer ran as b" : "timer ran as something else");
                done.SetResult();
            });
            seen.Add("a's callback ended");
        });

        await WithinAsync(done.Task);
        var order = await WithinAsync(b.RunAsync(() => Task.FromResult(seen.ToArray())));
        Assert.Equal("a's callback ended", order[0]); // neither ran inline inside a's callback
        Assert.Equal(["posted ran as b", "timer ran as b"], order.Skip(1).Order()); // and both ran as b's work
    }

    [Fact]
    public async Task Yield_FromASiblingsWork_ResumesItsOwnCoroutineOnly()
    {
        await using var group = CreateGroup(threads: 1);
        var a = group.Spawn("a");
        var b = group.Spawn("b");
        var order = new List<string>(); // touched only by the group's one thread
        async Task Run(LoopActor me, string name)
        {
            for (int i = 0; i < 3; i++)
            {
                Assert.Same(me, LoopActor.Current);
                order.Add($"{name}{i}");
                await LoopActor.Yield();
            }
        }

        await WithinAsync(Task.WhenAll(a.RunAsync(() => Run(a, "a")), b.RunAsync(() => Run(b, "b"))));
        var seen = await WithinAsync(a.RunAsync(() => Task.FromResult(order.ToArray())));
        Assert.Equal(["a0", "a1", "a2"], seen.Where(s => s[0] == 'a'));
        Assert.Equal(["b0", "b1", "b2"], seen.Where(s => s[0] == 'b'));
    }
}
