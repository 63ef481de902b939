import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

class LangDto {
  @ApiPropertyOptional({ enum: ['fr', 'en'] })
  @IsOptional()
  @IsIn(['fr', 'en'])
  lang?: string;
}

class PageDto extends LangDto {
  @ApiPropertyOptional({ description: 'Page number, from 1', default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  page?: number;

  @ApiPropertyOptional({ description: 'Rows a page', default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize?: number;

  @ApiPropertyOptional({ description: 'Search: name, login, e-mail (people); UAI, name, city (establishments). Accent-insensitive.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class PeopleQueryDto extends PageDto {
  @ApiPropertyOptional({ enum: ['agent', 'admin', 'integration'] })
  @IsOptional()
  @IsIn(['agent', 'admin', 'integration'])
  role?: string;

  @ApiPropertyOptional({ description: '`true`: active people only; `false`: deactivated ones only' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  active?: boolean;
}

export class EstablishmentsQueryDto extends PageDto {}

export class PersonPatchDto extends LangDto {
  @ApiPropertyOptional({ example: 'Alice Martin' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: 'alice.martin@ac-example.fr', description: 'Empty to remove' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(50)
  phone?: string;

  @ApiPropertyOptional({ description: 'Function, e.g. "Gestionnaire"' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ enum: ['fr', 'en'] })
  @IsOptional()
  @IsString()
  locale?: string;
}

export class PersonCreateDto extends PersonPatchDto {
  @ApiProperty({ example: 'amartin', description: 'Unique in the tenant; as the sign-in will send it' })
  @IsString()
  @MaxLength(100)
  login: string;

  @ApiPropertyOptional({ enum: ['agent', 'admin'], isArray: true })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  roles?: string[];
}

export class RolesDto extends LangDto {
  @ApiProperty({ enum: ['agent', 'admin'], isArray: true, description: 'The tenant roles the person has; other roles (integration) are kept' })
  @IsArray()
  @IsString({ each: true })
  roles: string[];
}

export class MembershipDto extends LangDto {
  @ApiPropertyOptional({ description: 'Whether the person heads the establishment ("responsable")', default: false })
  @IsOptional()
  @IsBoolean()
  head?: boolean;
}

export class TeamMemberDto extends LangDto {
  @ApiPropertyOptional({ description: 'Team lead', default: false })
  @IsOptional()
  @IsBoolean()
  lead?: boolean;
}

export class EstablishmentPatchDto extends LangDto {
  @ApiPropertyOptional({ example: 'Lycée Malherbe' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  name?: string;

  @ApiPropertyOptional({ example: 'LYC' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  kind?: string;

  @ApiPropertyOptional({ example: 'Exempleville' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  city?: string;
}

export class EstablishmentCreateDto extends EstablishmentPatchDto {
  @ApiProperty({ example: '0140096D', description: 'UAI: 7 digits and the check letter' })
  @IsString()
  @MaxLength(20)
  uai: string;
}

export class DirectorySyncDto extends LangDto {
  @ApiPropertyOptional({ description: 'Do everything in a transaction rolled back, and answer what it would change', default: false })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({ description: 'The directory plugin (e.g. `ldap-directory`) when the pack turns on several' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  source?: string;

  @ApiPropertyOptional({ description: 'Deactivate even when more than 20% of the directory people would go', default: false })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class AuditQueryDto extends LangDto {
  @ApiPropertyOptional({ example: 'person.deactivated' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ enum: ['person', 'team', 'establishment'] })
  @IsOptional()
  @IsIn(['person', 'team', 'establishment'])
  targetType?: string;

  @ApiPropertyOptional({ description: 'A login, team key or UAI' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  target?: string;

  @ApiPropertyOptional({ description: 'Login of who made the change' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ description: 'Entries before this id (the previous answer\'s `next`)' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  cursor?: string;

  @ApiPropertyOptional({ default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}
