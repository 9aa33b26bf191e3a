using Mailbox;
using Mailbox.Akka;

namespace ClusterRooms;

/// <summary>
/// One chat room, a sharded loop entity. Its handler runs on the room's loop thread: it writes each line to the log as
/// it takes it, then delivers it to the members (here: a short wait on the loop's clock). A room handed off in the
/// middle of deliveries shows whether its loop was drained: every line applied must also be delivered, once.
/// </summary>
internal static class Room
{
    /// <summary>How long a delivery to the members takes.</summary>
    private static readonly TimeSpan DeliveryTime = TimeSpan.FromMilliseconds(50);

    /// <summary>The handler factory for the rooms of one node.</summary>
    public static Func<string, Func<object, LoopReplyContext, Task>> On(string node, RoomLog log) => room =>
    {
        long lines = 0; // this incarnation's state, loop thread only
        return async (message, context) =>
        {
            switch (message)
            {
                case Say say:
                    lines++;
                    var applied = log.Take(room, say, node);
                    if (applied.Count > 0)
                    {
                        await LoopActor.Delay(DeliveryTime);
                        applied.ForEach(line => log.Delivered(room, line));
                    }

                    break;
                case WhereAreYou:
                    context.Reply(new Here(room, node, lines));
                    break;
            }
        };
    };
}
