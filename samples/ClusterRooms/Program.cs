// ClusterRooms: chat rooms as loop actors, sharded over a three-node Akka.NET cluster that lives in this one process
// (three actor systems on 127.0.0.1, OS-assigned ports). Four clients talk in every room; node3 leaves the cluster
// gracefully while they do: its rooms are drained on node3 (every line they took is delivered there) and then move to
// the other nodes. At the end every line is checked: applied exactly once, in each client's order, and delivered.
//
// One thing Akka's sharding does on its own: a message that reaches node3's region for a room node3 is handing off
// right then is dropped ("Avoiding reordering of buffered messages at shard handoff") and reported as a dead letter.
// The clients watch the dead letters and resend those lines; the rooms apply each client's lines in sequence, once.
// Exit code 0 only if no line was lost.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Event;
using ClusterRooms;
using Mailbox.Akka;

const string TypeName = "room";
string[] roomNames = ["lobby", "dotnet", "akka", "random", "music", "games", "books", "news"];
string[] nodeNames = ["node1", "node2", "node3"];
string[] clientNames = ["alice", "bob", "carol", "dave"];
var patience = TimeSpan.FromSeconds(10);
var clock = Stopwatch.StartNew();
var config = ConfigurationFactory.ParseString("""
    akka {
      loglevel = ERROR
      log-dead-letters = off                      # watched below instead
      actor.provider = cluster
      remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
      remote.log-remote-lifecycle-events = off
      coordinated-shutdown.run-by-clr-shutdown-hook = off
      cluster {
        gossip-interval = 200ms
        leader-actions-interval = 200ms
        periodic-tasks-initial-delay = 100ms
        sharding {
          distributed-data.durable.keys = []      # no remembered entities, so no LMDB files
          passivate-idle-entity-after = off
          rebalance-interval = 120s               # rooms move only because node3 leaves
          retry-interval = 200ms
        }
      }
    }
    """);

// A node that leaves closes its connections, and each endpoint writer of the nodes that stay logs that as an ERROR
// "Disassociated" with a stack trace: expected here, so those are filtered out. Every other error still shows.
var setup = BootstrapSetup.Create().WithConfig(config)
    .And(new LogFilterBuilder().ExcludeSourceRegex(new Regex("/endpointWriter$", RegexOptions.None, TimeSpan.FromSeconds(1))).Build());

void Print(string line) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.00}s] {line}");

var log = new RoomLog();
var stoppedRooms = new ConcurrentQueue<(string Node, LoopActorStopped Stopped)>();
var undelivered = new ConcurrentQueue<Say>();
var nodes = nodeNames.Select(_ => ActorSystem.Create("ClusterRooms", setup)).ToArray();
try
{
    var addresses = nodes.Select(n => ((ExtendedActorSystem)n).Provider.DefaultAddress).ToArray();
    for (int i = 0; i < nodes.Length; i++)
    {
        Print($"{nodeNames[i]} listens on {addresses[i]}");
        string node = nodeNames[i];
        Action<object> watch = e =>
        {
            switch (e)
            {
                case LoopActorStopped stopped:
                    stoppedRooms.Enqueue((node, stopped));
                    break;
                case AllDeadLetters letter when Unwrap(letter) is Say say:
                    undelivered.Enqueue(say);
                    break;
            }
        };
        var watcher = nodes[i].ActorOf(Props.Create(() => new Collector(watch)));
        nodes[i].EventStream.Subscribe(watcher, typeof(LoopActorStopped));
        nodes[i].EventStream.Subscribe(watcher, typeof(AllDeadLetters));
    }

    // node1 joins itself (the oldest member keeps the shard coordinator), the others join node1.
    await Cluster.Get(nodes[0]).JoinAsync(addresses[0]).WaitAsync(patience);
    await Task.WhenAll(nodes.Skip(1).Select(n => Cluster.Get(n).JoinAsync(addresses[0]))).WaitAsync(patience);
    await WaitUntil(() => Task.FromResult(nodes.All(n => Cluster.Get(n).State.Members.Count(m => m.Status == MemberStatus.Up) == nodes.Length)));
    var regions = await Task.WhenAll(nodes.Select((n, i) => LoopEntity.StartRegionAsync(n, TypeName, Room.On(nodeNames[i], log), maxNumberOfShards: 30)));
    await WaitUntil(async () => (await regions[0].Ask<CurrentRegions>(GetCurrentRegions.Instance, patience)).Regions.Count == nodes.Length);
    Print($"cluster of {nodes.Length} is up, a room region on each node");

    var before = await WhereAsync(regions[0]);
    Print("where each room lives before the leave:");
    foreach (var room in roomNames)
    {
        Console.WriteLine($"         {room,-7} on {before[room].Node}");
    }

    // Four clients, two on node1 and two on node2, each saying one line per room every 10 ms; what Akka reports as
    // undelivered is resent through node1, which stays.
    using var stopTalking = new CancellationTokenSource();
    var clients = clientNames.Select((client, i) => TalkAsync(client, regions[i % 2], stopTalking.Token)).ToArray();
    using var stopResending = new CancellationTokenSource();
    var resender = ResendAsync(regions[0], stopResending.Token);
    await Task.Delay(300);

    Print("node3 leaves the cluster gracefully while the clients keep talking...");
    var leaveClock = Stopwatch.StartNew();
    await CoordinatedShutdown.Get(nodes[2]).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(patience);
    await nodes[2].WhenTerminated.WaitAsync(patience);
    Print($"node3 has left and stopped ({leaveClock.ElapsedMilliseconds} ms); its rooms were drained there first:");
    foreach (var (_, s) in stoppedRooms.Where(e => e.Node == "node3"))
    {
        Console.WriteLine($"         {s.LoopName[(TypeName.Length + 1)..],-7} handled {s.Handled,3} messages; its loop executed {s.Report.Executed} of {s.Accepted} accepted, discarded {s.Report.Discarded}");
    }

    await Task.Delay(300);
    await stopTalking.CancelAsync();
    var sent = (await Task.WhenAll(clients)).SelectMany(c => c).ToDictionary(p => p.Key, p => p.Value);

    var after = await WhereAsync(regions[0]);
    Print("where each room lives after the leave:");
    foreach (var room in roomNames)
    {
        string moved = after[room].Node == before[room].Node ? "" : $"  (moved from {before[room].Node})";
        Console.WriteLine($"         {room,-7} on {after[room].Node}{moved}");
    }

    // Every line said must be applied exactly once, in its client's order, and delivered once.
    var tally = Tally();
    await WaitUntil(() => Task.FromResult((tally = Tally()).Settled));
    await stopResending.CancelAsync();
    int resent = await resender;
    Print($"lines: said {tally.Said}, applied once and delivered {tally.Applied}; reported undelivered (sharding drops at the hand-off) and resent {resent}, " +
        $"duplicates ignored {tally.Duplicates}; lost {tally.Lost}, out of order {tally.OutOfOrder}, undelivered {tally.Undelivered}, still held {tally.Held}");
    bool ok = tally.Settled && roomNames.Any(r => before[r].Node == "node3") && roomNames.All(r => after[r].Node != "node3");

    // The remaining nodes leave one after the other, node2 first: its rooms drain and move to node1, the last one.
    foreach (int i in new[] { 1, 0 })
    {
        await CoordinatedShutdown.Get(nodes[i]).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(patience);
        Print($"{nodeNames[i]} has left and stopped; {stoppedRooms.Count(e => e.Node == nodeNames[i])} rooms drained there");
    }

    Console.WriteLine(ok ? "OK: no line lost" : "UNEXPECTED: see the counts above");
    return ok ? 0 : 1;

    (int Said, int Applied, int Duplicates, int Lost, int OutOfOrder, int Undelivered, int Held, bool Settled) Tally()
    {
        var transcripts = log.Snapshot();
        int said = 0, applied = 0, lost = 0, outOfOrder = 0, notDelivered = 0;
        foreach (var ((room, client), count) in sent)
        {
            said += count;
            var seqs = transcripts.GetValueOrDefault(room).Lines?.Where(l => l.Client == client).ToList() ?? [];
            applied += seqs.Count;
            lost += Enumerable.Range(0, count).Count(seq => !seqs.Any(l => l.Seq == seq));
            outOfOrder += seqs.Zip(seqs.Skip(1)).Count(p => p.Second.Seq != p.First.Seq + 1);
            notDelivered += seqs.Count(l => l.Delivered != 1);
        }

        int held = transcripts.Values.Sum(t => t.Held), duplicates = transcripts.Values.Sum(t => t.Duplicates);
        return (said, applied, duplicates, lost, outOfOrder, notDelivered, held, lost == 0 && outOfOrder == 0 && notDelivered == 0 && held == 0 && applied == said);
    }
}
finally
{
    // Whatever is still running (after a failure): terminate it, bounded.
    var terminating = Task.WhenAll(nodes.Select(n => n.Terminate()));
    if (await Task.WhenAny(terminating, Task.Delay(patience)) != terminating)
    {
        Print($"some nodes did not terminate within {patience}");
    }
}

async Task<Dictionary<string, Here>> WhereAsync(IActorRef region)
{
    var answers = await Task.WhenAll(roomNames.Select(room => region.Ask<Here>(new ShardEnvelope(room, new WhereAreYou(room)), patience)));
    return answers.ToDictionary(h => h.Room);
}

async Task<Dictionary<(string Room, string Client), int>> TalkAsync(string client, IActorRef region, CancellationToken stop)
{
    var said = roomNames.ToDictionary(room => (room, client), _ => 0);
    while (!stop.IsCancellationRequested)
    {
        foreach (var room in roomNames)
        {
            int seq = said[(room, client)]++;
            region.Tell(new ShardEnvelope(room, new Say(room, client, seq, $"{client} #{seq}")), ActorRefs.NoSender);
        }

        await Task.Delay(10, CancellationToken.None);
    }

    return said;
}

async Task<int> ResendAsync(IActorRef region, CancellationToken stop)
{
    int resent = 0;
    while (!stop.IsCancellationRequested)
    {
        while (undelivered.TryDequeue(out var say))
        {
            region.Tell(new ShardEnvelope(say.Room, say), ActorRefs.NoSender);
            resent++;
        }

        await Task.Delay(20, CancellationToken.None);
    }

    return resent;
}

async Task WaitUntil(Func<Task<bool>> condition)
{
    var waited = Stopwatch.StartNew();
    while (!await condition())
    {
        if (waited.Elapsed > patience)
        {
            Print($"gave up waiting after {patience}");
            return;
        }

        await Task.Delay(50);
    }
}

// A dead letter's user message: sharding's Dropped arrives wrapped in a DeadLetter, and the Say in a ShardEnvelope.
static object Unwrap(AllDeadLetters letter) => letter.Message switch
{
    AllDeadLetters inner => Unwrap(inner),
    ShardEnvelope envelope => envelope.Message,
    var message => message,
};
