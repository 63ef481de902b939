import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';

/** `a,b` or repeated parameters, as a list. */
const list = () => Transform(({ value }) => (Array.isArray(value) ? value : String(value).split(',')).map((v: unknown) => String(v).trim()).filter(Boolean));

export class QueueQueryDto {
  @ApiPropertyOptional({ description: 'A team key, `mine` (your teams), or nothing (every ticket you see at the desk)' })
  @IsOptional()
  @IsString()
  team?: string;

  @ApiPropertyOptional({ description: 'Status categories, comma-separated (default new,open,waiting)', example: 'new,open' })
  @IsOptional()
  @list()
  @IsArray()
  @IsString({ each: true })
  category?: string[];

  @ApiPropertyOptional({ description: 'Status keys of the pack, comma-separated' })
  @IsOptional()
  @list()
  @IsArray()
  @IsString({ each: true })
  status?: string[];

  @ApiPropertyOptional({ description: '`me`, `none` (unassigned) or a login' })
  @IsOptional()
  @IsString()
  assignee?: string;

  @ApiPropertyOptional({ description: 'Priority levels, comma-separated' })
  @IsOptional()
  @list()
  @IsArray()
  @IsString({ each: true })
  priority?: string[];

  @ApiPropertyOptional({ description: 'Ticket types, comma-separated' })
  @IsOptional()
  @list()
  @IsArray()
  @IsString({ each: true })
  type?: string[];

  @ApiPropertyOptional({ description: 'A catalogue node: tickets about it or any leaf under it' })
  @IsOptional()
  @IsString()
  leaf?: string;

  @ApiPropertyOptional({ description: 'UAI of the establishment' })
  @IsOptional()
  @IsString()
  establishment?: string;

  @ApiPropertyOptional({ description: 'Words in title, description and public exchanges (French, accent-insensitive, by prefix), or a reference' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ enum: ['warning', 'breached'], description: 'Only tickets past their SLA warning threshold, or their deadline' })
  @IsOptional()
  @IsIn(['warning', 'breached'])
  sla?: 'warning' | 'breached';

  @ApiPropertyOptional({ description: 'Children of this ticket (mass incident)' })
  @IsOptional()
  @IsString()
  parent?: string;

  @ApiPropertyOptional({ enum: ['queue', 'due', 'created', 'updated'], description: 'queue: unassigned, priority, age (default); due: least time left first' })
  @IsOptional()
  @IsIn(['queue', 'due', 'created', 'updated'])
  sort?: 'queue' | 'due' | 'created' | 'updated';

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;

  @ApiPropertyOptional({ enum: ['fr', 'en'] })
  @IsOptional()
  @IsIn(['fr', 'en'])
  lang?: string;
}

export class DeskLangDto {
  @ApiPropertyOptional({ enum: ['fr', 'en'] })
  @IsOptional()
  @IsIn(['fr', 'en'])
  lang?: string;
}

export class AssignDto {
  @ApiProperty({ description: 'Login or id of an agent who may act on the ticket' })
  @IsString()
  @IsNotEmpty()
  person: string;
}

export class ReassignDto {
  @ApiProperty({ description: 'Key of the team the ticket moves to' })
  @IsString()
  @IsNotEmpty()
  team: string;

  @ApiPropertyOptional({ description: "Why (the transition's comment when the pack's reassign transition requires one)" })
  @IsOptional()
  @IsString()
  reason?: string;
}

export class RequalifyDto {
  @ApiPropertyOptional({ description: 'New catalogue leaf (the type follows it)' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  leaf?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  impact?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  urgency?: string;

  @ApiProperty({ description: 'Why; kept in the history' })
  @IsString()
  reason: string;

  @ApiPropertyOptional({ description: 'Route the ticket again from its new leaf' })
  @IsOptional()
  @IsBoolean()
  reroute?: boolean;
}

export class AskDto {
  @ApiProperty({ description: 'What the requester is asked; the comment of the waiting transition' })
  @IsString()
  reason: string;
}

export class ResolveDto {
  @ApiProperty()
  @IsString()
  solution: string;

  @ApiPropertyOptional({ description: "Publish the solution as a knowledge entry of the ticket's product" })
  @IsOptional()
  @IsBoolean()
  publish?: boolean;

  @ApiPropertyOptional({ description: "Title of the knowledge entry (the ticket's title by default)" })
  @IsOptional()
  @IsString()
  title?: string;
}

export class ParentDto {
  @ApiProperty({ description: 'Reference or id of the parent ticket' })
  @IsString()
  @IsNotEmpty()
  parent: string;
}

export class BulkDto {
  @ApiProperty({ enum: ['assign', 'requalify', 'resolve'] })
  @IsIn(['assign', 'requalify', 'resolve'])
  action: 'assign' | 'requalify' | 'resolve';

  @ApiProperty({ description: 'References or ids, at most 100', type: [String] })
  @IsArray()
  @IsString({ each: true })
  tickets: string[];

  @ApiPropertyOptional({ description: 'For assign' })
  @IsOptional()
  @IsString()
  person?: string;

  @ApiPropertyOptional({ description: 'For requalify', type: RequalifyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => RequalifyDto)
  requalify?: RequalifyDto;

  @ApiPropertyOptional({ description: 'For resolve', type: ResolveDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ResolveDto)
  resolve?: ResolveDto;
}
