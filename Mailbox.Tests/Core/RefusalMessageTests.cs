using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

/// <summary>
/// What a refusal says. The type tells the caller's code what happened; the text is what a person reads in a log a
/// week later, so it names the loop, the call that was refused and why (stopping or stopped, full and how full, which
/// thread called), and each of those is asserted here.
/// </summary>
public abstract class RefusalMessageTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Refusals_WhileStoppingAndOnceStopped_NameTheLoopTheCallAndTheState()
    {
        var loop = Spawn(name: "refusing");
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        var stop = loop.StopAsync();
        Assert.Equal(LoopState.Stopping, loop.State);

        const string SendWhileStopping = "Loop 'refusing' is stopping: the send was refused.";
        Assert.Equal(SendWhileStopping, Assert.Throws<LoopStoppedException>(() => loop.Post(() => { })).Message);
        Assert.Equal(SendWhileStopping, (await Assert.ThrowsAsync<LoopStoppedException>(async () => await loop.PostAsync(() => { }))).Message);
        Assert.Equal(SendWhileStopping, (await Assert.ThrowsAsync<LoopStoppedException>(() => loop.RunAsync(() => Task.CompletedTask))).Message);
        Assert.Equal("Loop 'refusing' is stopping: the query was refused.", (await Assert.ThrowsAsync<LoopStoppedException>(() => loop.QueryPendingAsync())).Message);

        gate.Open();
        var report = await WithinAsync(stop);
        Assert.Equal(LoopState.Stopped, loop.State);
        Assert.Equal("Loop 'refusing' is stopped: the send was refused.", Assert.Throws<LoopStoppedException>(() => loop.Post(static _ => { }, 1)).Message);
        Assert.Equal("Loop 'refusing' is stopped: the query was refused.", (await Assert.ThrowsAsync<LoopStoppedException>(() => loop.QueryPendingAsync())).Message);

        // Nothing accepted was lost to the refusals: the one callback ran; the four data-lane sends were counted (a query is not a send).
        Assert.Equal(1, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(4, loop.RefusedMessages); // Post, PostAsync, RunAsync while stopping; Post<TState> once stopped
    }

    [Fact]
    public async Task Post_FullMailbox_NamesTheLoopAndItsCapacity()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = 2 }, "bounded");
        using var gate = new Gate();
        int ran = 0;
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => ran++);
        loop.Post(() => ran++);

        var full = Assert.Throws<MailboxFullException>(() => loop.Post(() => ran++));
        Assert.Equal("The mailbox of loop 'bounded' is full (2 messages).", full.Message);
        gate.Open();
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(2, ran);
        Assert.Equal(3, report.Executed);
        Assert.Equal(1, loop.RefusedMessages);
    }

    [Fact]
    public async Task Post_FullMailboxOfAStoppingLoop_IsRefusedAsStoppedAndCountedOnce()
    {
        var loop = Spawn(new LoopOptions { MailboxCapacity = 1 }, "bounded");
        using var gate = new Gate();
        int ran = 0;
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => ran++);
        var stop = loop.StopAsync();

        // Full and stopping at once: the stop is the truth the caller needs (waiting for room would never end).
        Assert.Equal("Loop 'bounded' is stopping: the send was refused.", Assert.Throws<LoopStoppedException>(() => loop.Post(() => ran++)).Message);
        Assert.False(loop.TryPost(() => ran++));
        Assert.Equal(2, loop.RefusedMessages);
        gate.Open();
        var report = await WithinAsync(stop);
        Assert.Equal(1, ran);
        Assert.Equal(2, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(2, loop.RefusedMessages);
    }

    [Fact]
    public async Task LoopOnlyCalls_FromAForeignThread_NameTheCallAndTheCallingThread()
    {
        await using var loop = Spawn();
        var (named, unnamed, unnamedId) = await WithinAsync(OnNewThreadsAsync());
        Assert.Equal("WrongThreadException: LoopActor.Yield may only be called on a loop thread; the calling thread 'not a loop' runs no loop.", named);
        Assert.Equal($"WrongThreadException: LoopActor.Delay may only be called on a loop thread; the calling thread '{unnamedId}' runs no loop.", unnamed);
        Assert.Equal(1, await WithinAsync(loop.RunAsync(() => Task.FromResult(1))));
    }

    [Fact]
    public async Task DelayAwaitable_AwaitedOffItsLoop_ThrowsWrongThreadNamingTheLoop()
    {
        await using var loop = Spawn(name: "timed");
        var delay = await WithinAsync(loop.RunAsync(() => Task.FromResult(LoopActor.Delay(TimeSpan.FromSeconds(1)))));
        bool resumed = false;
        var thrown = Assert.Throws<WrongThreadException>(() => delay.GetAwaiter().OnCompleted(() => resumed = true));
        Assert.Equal("Only the thread of loop 'timed' may be awaiting LoopActor.Delay.", thrown.Message);

        // The refused continuation was never stored: the delay's end resumes nothing, and the loop goes on.
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, await WithinAsync(loop.RunAsync(() => Task.FromResult(2))));
        Assert.False(resumed);
    }

    /// <summary>Calls the two loop-only calls on two fresh threads, one named and one not, and returns what each threw.</summary>
    private static Task<(string Named, string Unnamed, int UnnamedId)> OnNewThreadsAsync()
    {
        var done = new TaskCompletionSource<(string, string, int)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var named = new Thread(() =>
        {
            string first = Thrown(() => LoopActor.Yield());
            var unnamed = new Thread(() => done.TrySetResult((first, Thrown(() => LoopActor.Delay(TimeSpan.Zero)), Environment.CurrentManagedThreadId)));
            unnamed.Start();
        })
        { Name = "not a loop" };
        named.Start();
        return done.Task;
    }

    /// <summary>What <paramref name="call"/> threw, as "type: message": an assertion on a raw thread would end the test process.</summary>
    private static string Thrown(Action call) =>
        Record.Exception(call) is { } e ? $"{e.GetType().Name}: {e.Message}" : "nothing thrown";
}

/// <summary><see cref="RefusalMessageTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class RefusalMessageTests_Dedicated(ITestOutputHelper output) : RefusalMessageTests(output);

/// <summary><see cref="RefusalMessageTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class RefusalMessageTests_Grouped(ITestOutputHelper output) : RefusalMessageTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
