using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>
/// Guarantee 6 for grouped loops: <see cref="LoopActor.RunUntilComplete"/> onto a loop pinned to the calling thread
/// (itself or a sibling) would deadlock that thread, so it throws at once, before anything is scheduled; onto a loop
/// of another thread it blocks the caller's thread and returns.
/// </summary>
public sealed class RunUntilCompleteGuardTests(ITestOutputHelper output) : GroupTestKit(output)
{
    [Fact]
    public async Task RunUntilComplete_OnItselfOrASiblingOnTheSameThread_ThrowsInvalidOperationAndNothingRuns()
    {
        await using var group = CreateGroup(threads: 2);
        var (a, sibling, _) = await SpawnSiblingsAndAStrangerAsync(group);
        bool ranOnA = false, ranOnSibling = false; // each written only by its coroutine, which must never run

        var thrown = await WithinAsync(a.RunAsync(() => Task.FromResult((
            OnSelf: Record.Exception(() => a.RunUntilComplete(() => { ranOnA = true; return Task.CompletedTask; })),
            OnSibling: Record.Exception(() => sibling.RunUntilComplete(() => { ranOnSibling = true; return Task.CompletedTask; })),
            OnSiblingOfT: Record.Exception(() => sibling.RunUntilComplete(() => { ranOnSibling = true; return Task.FromResult(1); }))))));

        // The text names the caller and, for a sibling, the loop it would have waited for.
        Assert.StartsWith($"RunUntilComplete was called by loop '{a.Name}' itself: it would wait for the loop while blocking its thread, forever.", AssertGuard(thrown.OnSelf).Message, StringComparison.Ordinal);
        string bySibling = $"RunUntilComplete was called by loop '{a.Name}', which shares a group thread with loop '{sibling.Name}': it would wait";
        Assert.StartsWith(bySibling, AssertGuard(thrown.OnSibling).Message, StringComparison.Ordinal);
        Assert.StartsWith(bySibling, AssertGuard(thrown.OnSiblingOfT).Message, StringComparison.Ordinal);
        Assert.EndsWith("Await RunAsync instead.", thrown.OnSelf!.Message, StringComparison.Ordinal);

        // The guard comes before scheduling (the asyncio lesson): neither coroutine ran, then or later, and both loops go on.
        Assert.Equal(2, await WithinAsync(a.RunAsync(() => Task.FromResult(2))));
        Assert.Equal(3, await WithinAsync(sibling.RunAsync(() => Task.FromResult(3))));
        Assert.False(ranOnA);
        Assert.False(ranOnSibling);
        Assert.Equal(0, (await WithinAsync(sibling.StopAsync())).Discarded);
    }

    [Fact]
    public async Task RunUntilComplete_OnALoopOfAnotherThreadOfTheGroup_ReturnsItsResult()
    {
        await using var group = CreateGroup(threads: 2);
        var (a, _, stranger) = await SpawnSiblingsAndAStrangerAsync(group);
        int strangerThread = await ThreadOfAsync(stranger);
        var got = await WithinAsync(a.RunAsync(() => Task.FromResult(stranger.RunUntilComplete(() =>
            Task.FromResult((Environment.CurrentManagedThreadId, LoopActor.Current == stranger))))));
        Assert.Equal((strangerThread, true), got);
    }

    [Fact]
    public async Task RunUntilComplete_BetweenAGroupedLoopAndADedicatedOne_WorksBothWays()
    {
        await using var group = CreateGroup(threads: 1);
        await using var grouped = group.Spawn("grouped");
        await using var dedicated = LoopActor.Spawn("dedicated");
        Assert.Equal(1, await WithinAsync(grouped.RunAsync(() => Task.FromResult(dedicated.RunUntilComplete(() => Task.FromResult(1))))));
        Assert.Equal(2, await WithinAsync(dedicated.RunAsync(() => Task.FromResult(grouped.RunUntilComplete(() => Task.FromResult(2))))));
    }

    [Fact]
    public async Task RunUntilComplete_OnALoopOfAnotherGroup_ReturnsItsResult()
    {
        await using var first = CreateGroup(threads: 1);
        await using var second = CreateGroup(threads: 1);
        var a = first.Spawn("a");
        var b = second.Spawn("b");
        Assert.Equal(7, await WithinAsync(a.RunAsync(async () =>
        {
            await LoopActor.Yield();
            return b.RunUntilComplete(async () => { await LoopActor.Yield(); return 7; });
        })));
    }

    private static Exception AssertGuard(Exception? thrown)
    {
        Assert.NotNull(thrown);
        Assert.IsAssignableFrom<InvalidOperationException>(thrown);
        Assert.IsNotType<LoopStoppedException>(thrown);
        Assert.IsNotType<WrongThreadException>(thrown);
        return thrown;
    }

}
