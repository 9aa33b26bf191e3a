using Mailbox.Akka;
using Xunit.Abstractions;

namespace Mailbox.Tests.AkkaHosting;

/// <summary>Actors whose loops share the threads of one <see cref="LoopGroup"/> (<see cref="LoopActorSettings.Group"/>).</summary>
[Collection(AkkaTestGroup.Name)]
public sealed class LoopGroupActorTests : LoopTestKit
{
    private const int Actors = 5;

    public LoopGroupActorTests(ITestOutputHelper output)
        : base(output) => LoopActorProps.Install(Sys);

    [Fact]
    public async Task Ask_FiveActorsInAGroupOfTwoThreads_EachRepliesFromItsOwnLoopAndTheGroupCountsTheirLoops()
    {
        await using var group = LoopGroup.Create("akka-rooms", new LoopGroupOptions { ThreadCount = 2 });
        var settings = new LoopActorSettings { Group = group };
        var actors = Enumerable.Range(0, Actors).Select(i => Sys.ActorOf(LoopActorProps.Create($"room-{i}", async (message, context) =>
        {
            int before = Environment.CurrentManagedThreadId;
            await LoopActor.Yield(); // a coroutine step of a grouped loop resumes on that loop, on its pinned thread
            context.Reply(new Where($"{context.Loop.Name}: {message}", context.Loop.IsOnLoopThread && LoopActor.Current == context.Loop, before, Environment.CurrentManagedThreadId));
        }, settings), $"room-{i}")).ToArray();

        var answers = new List<Where>();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < Actors; i++)
            {
                var answer = await actors[i].Ask<Where>($"hello {round}", Patience);
                Assert.Equal($"room-{i}: hello {round}", answer.Text);
                Assert.True(answer.OnItsLoop);
                Assert.Equal(answer.ThreadBefore, answer.ThreadAfter);
                answers.Add(answer);
            }
        }

        // Five live actors, five loops in the group, all on the group's two threads.
        Assert.Equal(Actors, group.LoopCount);
        Assert.InRange(answers.Select(a => a.ThreadAfter).Distinct().Count(), 1, group.ThreadCount);

        // Stopped events on the test actor, Terminated on a probe of their own: the actors stop in any order.
        var watcher = CreateTestProbe();
        Sys.EventStream.Subscribe(TestActor, typeof(LoopActorStopped));
        foreach (var actor in actors)
        {
            watcher.Watch(actor);
            actor.Tell(DrainAndStop.Instance);
        }

        long executed = 0;
        for (int i = 0; i < Actors; i++)
        {
            var stopped = await ExpectMsgAsync<LoopActorStopped>(Patience);
            Assert.Equal((3L, 3L, 0L), (stopped.Received, stopped.Handled, stopped.DeadLetters));
            Assert.Equal((stopped.Accepted, 0L), (stopped.Report.Executed, stopped.Report.Discarded));
            executed += stopped.Report.Executed;
        }

        var terminated = new HashSet<IActorRef>();
        for (int i = 0; i < Actors; i++)
        {
            terminated.Add((await watcher.ExpectMsgAsync<Terminated>(Patience)).ActorRef);
        }

        Assert.Equal(actors.ToHashSet(), terminated);

        await AwaitAssertAsync(() => Assert.Equal(0, group.LoopCount), Patience);
        var report = await WithinAsync(group.StopAsync());
        Assert.Equal((Actors, executed, 0L, false), (report.Loops, report.Executed, report.Discarded, report.TimedOut));
    }

    [Fact]
    public async Task ActorOf_GroupAlreadyStopped_ActorStopsAtOnceWithItsMessagesCountedAsDeadLetters()
    {
        var group = LoopGroup.Create("akka-stopped", new LoopGroupOptions { ThreadCount = 1 });
        await WithinAsync(group.StopAsync());
        Sys.EventStream.Subscribe(TestActor, typeof(LoopActorStopped));
        var watcher = CreateTestProbe();

        var actor = Sys.ActorOf(LoopActorProps.Create("late", (_, context) =>
        {
            context.Reply("handled");
            return Task.CompletedTask;
        }, new LoopActorSettings { Group = group }));
        watcher.Watch(actor);
        actor.Tell("hello");

        var stopped = await ExpectMsgAsync<LoopActorStopped>(Patience);
        Assert.Equal(0, stopped.Handled);
        Assert.Equal(stopped.Received, stopped.DeadLetters);
        await watcher.ExpectTerminatedAsync(actor, Patience);
        Assert.Equal(0, group.LoopCount);
        await ExpectNoMsgAsync(Quiet); // no reply: nothing was handled
    }

    private sealed record Where(string Text, bool OnItsLoop, int ThreadBefore, int ThreadAfter);
}
