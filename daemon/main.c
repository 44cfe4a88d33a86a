/*
 * main.c - the dockward agent. Everything but this function lives in the
 * dockward_agent library so tests link the same objects; see agent.c.
 */
#include "agent.h"

int main(int argc, char **argv)
{
    return agent_main(argc, argv);
}
