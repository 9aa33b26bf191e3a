using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

public abstract class BadInputTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task NullDelegates_ThrowArgumentNullAndLoseNothing()
    {
        await using var loop = Spawn();
        int ran = 0;
        loop.Post(() => ran++);
        Assert.Throws<ArgumentNullException>(() => loop.Post(null!));
        Assert.Throws<ArgumentNullException>(() => loop.Post<int>(null!, 1));
        Assert.Throws<ArgumentNullException>(() => loop.TryPost(null!));
        Assert.Throws<ArgumentNullException>(() => { _ = loop.PostAsync(null!).AsTask(); });
        Assert.Throws<ArgumentNullException>(() => { _ = loop.RunAsync((Func<Task>)null!); });
        Assert.Throws<ArgumentNullException>(() => { _ = loop.RunAsync((Func<Task<int>>)null!); });
        Assert.Throws<ArgumentNullException>(() => { _ = loop.RunAsync((Func<CancellationToken, Task>)null!); });
        Assert.Throws<ArgumentNullException>(() => { _ = loop.RunAsync((Func<CancellationToken, Task<int>>)null!); });
        Assert.Throws<ArgumentNullException>(() => loop.RunUntilComplete(null!));
        Assert.Throws<ArgumentNullException>(() => loop.RunUntilComplete<int>(null!));
        Assert.Throws<ArgumentNullException>(() => loop.CallLater(TimeSpan.Zero, null!));
        Assert.Throws<ArgumentNullException>(() => loop.CallAt(DateTimeOffset.UtcNow, null!));
        Assert.Throws<ArgumentNullException>(() => loop.CallEvery(TimeSpan.FromSeconds(1), null!));
        loop.Post(() => ran++);
        var report = await loop.StopAsync();
        Assert.Equal(2, ran);
        Assert.Equal(2, report.Executed);
        Assert.Equal(0, report.Discarded);
    }

    [Fact]
    public void Spawn_BadNameOrOptions_Throws()
    {
        // The kit's Spawn names a nameless loop after the test class, so a null name goes to the factory itself.
        Assert.Throws<ArgumentNullException>(() => Kind == LoopKind.Dedicated ? LoopActor.Spawn(null!) : Group.Spawn(null!));
        Assert.Throws<ArgumentException>(() => Spawn(name: ""));
        Assert.Throws<ArgumentOutOfRangeException>(() => Spawn(new LoopOptions { MailboxCapacity = 0 }, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Spawn(new LoopOptions { MailboxCapacity = -1 }, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Spawn(new LoopOptions { SlowCallbackThreshold = TimeSpan.Zero }, "x"));
    }

    [Fact]
    public void Spawn_BadOptions_EachRefusalNamesTheOption()
    {
        // Through the factory itself: the kit's Spawn puts a clock of its own in the options.
        LoopActor SpawnRaw(LoopOptions options) => Kind == LoopKind.Dedicated ? LoopActor.Spawn("x", options) : Group.Spawn("x", options);

        Assert.Equal("options.TimeProvider", Assert.Throws<ArgumentNullException>(() => SpawnRaw(new LoopOptions { TimeProvider = null! })).ParamName);
        Assert.Equal("options.MailboxCapacity", Assert.Throws<ArgumentOutOfRangeException>(() => SpawnRaw(new LoopOptions { MailboxCapacity = 0 })).ParamName);
        Assert.Equal("options.SlowCallbackThreshold", Assert.Throws<ArgumentOutOfRangeException>(() => SpawnRaw(new LoopOptions { SlowCallbackThreshold = TimeSpan.FromTicks(-1) })).ParamName);
        var mode = Assert.Throws<ArgumentOutOfRangeException>(() => SpawnRaw(new LoopOptions { FullMode = (MailboxFullMode)42 }));
        Assert.Equal("options", mode.ParamName);
        Assert.Equal((MailboxFullMode)42, mode.ActualValue);
        Assert.StartsWith("Unknown MailboxFullMode.", mode.Message, StringComparison.Ordinal);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => Kind == LoopKind.Dedicated ? LoopActor.Spawn("") : Group.Spawn("")).ParamName);
    }

    [Fact]
    public async Task StopAsync_NegativeTimeoutOrUnknownMode_ThrowsAndTheLoopKeepsRunning()
    {
        await using var loop = Spawn();
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(-1)); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = loop.StopAsync((StopMode)42); });
        Assert.Equal(LoopState.Running, loop.State);
        Assert.Equal(3, await loop.RunAsync(() => Task.FromResult(3)));
    }

    [Fact]
    public async Task SendsAfterStop_AreRefusedAtTheCallAndCounted()
    {
        var loop = Spawn();
        int ran = 0;
        loop.Post(() => ran++);
        var stop = loop.StopAsync();
        Assert.Equal(LoopState.Stopping, loop.State);

        Assert.Throws<LoopStoppedException>(() => loop.Post(() => ran++));
        Assert.Throws<LoopStoppedException>(() => loop.Post(static _ => { }, 1));
        Assert.False(loop.TryPost(() => ran++));
        await Assert.ThrowsAsync<LoopStoppedException>(async () => await loop.PostAsync(() => ran++));
        await Assert.ThrowsAsync<LoopStoppedException>(() => loop.RunAsync(() => Task.CompletedTask));
        await Assert.ThrowsAsync<LoopStoppedException>(() => loop.RunAsync(() => Task.FromResult(1)));
        await Assert.ThrowsAsync<LoopStoppedException>(() => loop.QueryPendingAsync());
        Assert.Throws<LoopStoppedException>(() => loop.CallLater(TimeSpan.FromSeconds(1), () => ran++));

        var report = await WithinAsync(stop);
        Assert.Equal(1, ran);
        Assert.Equal(1, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(6, loop.RefusedMessages); // the data-lane sends: Post ×2, TryPost, PostAsync, RunAsync ×2
        Assert.Equal(1, loop.AcceptedMessages);

        // Still refused once the loop has stopped for good.
        Assert.Throws<LoopStoppedException>(() => loop.Post(() => ran++));
        await Assert.ThrowsAsync<LoopStoppedException>(() => loop.QueryPendingAsync());
    }

    [Fact]
    public async Task RunUntilComplete_NullOnTheLoopItself_IsRefusedAsNullBeforeAsBlocking()
    {
        // Two mistakes at once: the null is the one to report, whichever thread made the call.
        await using var loop = Spawn();
        var thrown = await WithinAsync(loop.RunAsync(() => Task.FromResult((
            Plain: Record.Exception(() => loop.RunUntilComplete(null!)),
            OfT: Record.Exception(() => loop.RunUntilComplete<int>(null!))))));
        Assert.Equal("coroutine", Assert.IsType<ArgumentNullException>(thrown.Plain).ParamName);
        Assert.Equal("coroutine", Assert.IsType<ArgumentNullException>(thrown.OfT).ParamName);
        Assert.Equal(0, (await WithinAsync(loop.StopAsync())).Discarded);
    }

    [Fact]
    public async Task AlreadyCancelledToken_EndsTheCallCancelledAndSendsNothing()
    {
        var loop = Spawn();
        var cancelled = new CancellationToken(canceled: true);
        int ran = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await loop.PostAsync(() => ran++, cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop.QueryPendingAsync(cancelled));
        Assert.Equal(0, (await WithinAsync(loop.QueryPendingAsync())).QueuedMessages);

        // Once the loop has stopped, too: the call was cancelled before it asked, so it is neither sent nor refused.
        var report = await WithinAsync(loop.StopAsync());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await loop.PostAsync(() => ran++, cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop.QueryPendingAsync(cancelled));
        Assert.Equal(0, ran);
        Assert.Equal(0, report.Executed);
        Assert.Equal(0, loop.AcceptedMessages);
        Assert.Equal(0, loop.RefusedMessages);
    }

    [Fact]
    public async Task LoopOnlyCalls_FromAForeignThread_ThrowWrongThread()
    {
        await using var loop = Spawn();
        Assert.Throws<WrongThreadException>(() => LoopActor.Yield());
        Assert.Throws<WrongThreadException>(() => LoopActor.Delay(TimeSpan.Zero));
        Assert.Equal(1, await loop.RunAsync(() => Task.FromResult(1)));
    }
}

/// <summary><see cref="BadInputTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class BadInputTests_Dedicated(ITestOutputHelper output) : BadInputTests(output);

/// <summary><see cref="BadInputTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class BadInputTests_Grouped(ITestOutputHelper output) : BadInputTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
